import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm run demo` in a real browser: Debian's Chromium (`apt-get install chromium`, as .ci/run does), driven by
// playwright-core, which downloads no browser of its own. Locally without Chromium the test is skipped with
// that advice; under CI=true it fails, so CI cannot pass without having run it.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const required = process.env.CI === 'true';
const MISSING = `no Chromium at ${CHROMIUM}: install Debian's (\`apt-get install chromium\`) or set CHROMIUM_PATH`;
if (!available && !required) console.warn(`GraphiQL browser test skipped: ${MISSING}`);

/** Loopback only, and the page's own in-memory URLs (GraphiQL's editor workers are blob: URLs). */
function staysOnMachine(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'blob:' || protocol === 'data:') return true;
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
}

let demo: ChildProcess | undefined;
let graphiqlUrl = '';

async function startDemo(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/scripts/demo.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start: ${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /GraphiQL at (http:\/\/\S+\/graphql)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`demo exited with ${code}: ${output}`)));
  });
  return { child, url };
}

describe('GraphiQL served by the demo, in Chromium', () => {
  beforeAll(async () => {
    if (!available) return;
    const started = await startDemo();
    demo = started.child;
    graphiqlUrl = started.url;
  }, 40_000);
  afterAll(async () => {
    if (demo === undefined || demo.exitCode !== null) return;
    demo.kill('SIGTERM');
    await once(demo, 'exit');
  });

  if (!available && required) {
    it(`runs in CI, where Chromium must be installed (${MISSING})`, () => {
      expect.fail(MISSING);
    });
  }

  it.skipIf(!available)(
    'loads with the example query, runs it, shows campaigns, and fetches nothing from off the machine',
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        // Root in CI has no user namespace for Chromium's sandbox; the page is our own.
        args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'],
      });
      try {
        const context = await browser.newContext();
        const requested: string[] = [];
        const refused: string[] = [];
        // Every request the page makes is seen here; anything not on this machine is failed, not sent.
        await context.route('**/*', (route) => {
          const url = route.request().url();
          requested.push(url);
          if (staysOnMachine(url)) return route.continue();
          refused.push(url);
          return route.abort('blockedbyclient');
        });
        context.on('request', (request) => {
          if (!requested.includes(request.url())) requested.push(request.url());
        });
        const page = await context.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (error) => pageErrors.push(error.message));

        await page.goto(graphiqlUrl, { waitUntil: 'load', timeout: 60_000 });
        await expect.poll(() => page.title(), { timeout: 30_000 }).toBe('Campaign gateway');
        // The editor holds the example query.
        const editor = page.locator('.graphiql-query-editor');
        await editor.waitFor({ state: 'visible', timeout: 60_000 }).catch((error: unknown) => {
          // A page that needs the internet never shows its editor: say what it tried to fetch.
          throw new Error(`GraphiQL did not render; requests refused: ${refused.join(', ') || 'none'}`, {
            cause: error,
          });
        });
        await expect.poll(() => editor.innerText(), { timeout: 30_000 }).toContain('NewestCampaigns');

        const answered = page.waitForResponse(
          (response) =>
            response.url() === graphiqlUrl &&
            response.request().method() === 'POST' &&
            (response.request().postData() ?? '').includes('NewestCampaigns'),
          { timeout: 60_000 },
        );
        await page.locator('.graphiql-execute-button').click();
        const response = await answered;
        expect(response.status()).toBe(200);
        const body = (await response.json()) as {
          data?: { campaigns: { totalCount: number; edges: { node: { provider: string; name: string } }[] } };
          errors?: unknown;
        };
        expect(body.errors).toBeUndefined();
        expect(body.data?.campaigns.edges).toHaveLength(10);
        expect(body.data?.campaigns.totalCount).toBeGreaterThan(100);

        // The result pane shows it too.
        const result = page.locator('.graphiql-response');
        await expect.poll(() => result.innerText(), { timeout: 30_000 }).toContain('totalCount');
        // Monaco renders spaces as no-break spaces.
        const shown = (await result.innerText()).replaceAll('\u00a0', ' ');
        expect(shown).toContain(body.data?.campaigns.edges[0]?.node.name ?? '?');
        if (process.env.GRAPHIQL_SCREENSHOT) await page.screenshot({ path: process.env.GRAPHIQL_SCREENSHOT });

        expect(refused).toEqual([]);
        expect(requested.filter((url) => !staysOnMachine(url))).toEqual([]);
        expect(requested.length).toBeGreaterThan(0);
        expect(pageErrors).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    180_000,
  );
});
