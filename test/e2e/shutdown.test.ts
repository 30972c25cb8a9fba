import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'undici';
import { afterEach, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/schema/globalId.js';
import { alturCampaign, startAlturSimulator } from '../../src/simulators/index.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

it('lets an in-flight request finish on SIGTERM, then exits 0', async () => {
  const altur = await startAlturSimulator({
    dataset: [alturCampaign({ id: 5, name: 'Slow one' })],
    rateLimit: false,
  });
  try {
    altur.faults.add({ route: 'detail', delayMs: 1500 });
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        NODE_ENV: 'production',
        ALTUR_API_KEY: altur.apiKey,
        ALTUR_BASE_URL: altur.url,
        AURALYTIK_API_KEY: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gateway did not start: ${output}`)), 15_000);
      child.stdout?.on('data', () => {
        const match = /"port":(\d+)/.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
    });

    const slow = request(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'query ($id: ID!) { campaign(id: $id) { name } }',
        variables: { id: encodeGlobalId('AlturCampaign', '5') },
      }),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGTERM');
    const response = await slow;
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ data: { campaign: { name: 'Slow one' } } });
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(output).toContain('shutting down');
    expect(output).not.toContain(altur.apiKey);
  } finally {
    await altur.close();
  }
}, 30_000);
