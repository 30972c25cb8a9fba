import { afterEach, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/schema/globalId.js';
import { alturCampaign, auralytikCampaign, type FaultRule } from '../../tools/simulators/index.js';
import { expectNoLeak, type Harness, type HarnessOptions, startHarness } from '../support/harness.js';

const ALTUR_ID = encodeGlobalId('AlturCampaign', '777');
const AURALYTIK_ID = encodeGlobalId('AuralytikCampaign', 'camp_42');
const BOTH = `query ($a: ID!, $b: ID!) { a: campaign(id: $a) { name } b: campaign(id: $b) { name } }`;
const DEADLINE_MS = 3000;

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(options: HarnessOptions = {}) {
  harness = await startHarness({
    timeoutMs: 800,
    requestDeadlineMs: DEADLINE_MS,
    altur: { dataset: [alturCampaign({ id: 777, name: 'Altur seven' })], rateLimit: false },
    auralytik: { dataset: [auralytikCampaign({ id: 'camp_42', name: 'Auralytik forty-two' })] },
    alturRateLimitPerSecond: 1000,
    ...options,
  });
  return harness;
}

/** One operation asking both providers, timed; the Auralytik half must always be complete. */
async function askBoth(gateway: Harness) {
  const started = Date.now();
  const response = await gateway.query<{ a: { name: string } | null; b: { name: string } | null }>(BOTH, {
    a: ALTUR_ID,
    b: AURALYTIK_ID,
  });
  const elapsed = Date.now() - started;
  expect(elapsed).toBeLessThan(DEADLINE_MS + 1000);
  expect(response.data?.b).toEqual({ name: 'Auralytik forty-two' });
  expectNoLeak(gateway, response.text);
  return { response, elapsed };
}

describe('a failing provider', () => {
  it.each<[string, FaultRule]>([
    ['503 once', { route: 'detail', status: 503, times: 1 }],
    ['500 once', { route: 'detail', status: 500, times: 1 }],
    [
      '502 with an HTML body, twice',
      { route: 'detail', status: 502, body: '<html>bad gateway</html>', times: 2 },
    ],
    ['504 once', { route: 'detail', status: 504, times: 1 }],
    ['429 with Retry-After: 1', { route: 'detail', status: 429, headers: { 'retry-after': '1' }, times: 1 }],
    ['a connection reset mid-body', { route: 'detail', resetMidBody: true, times: 1 }],
    ['a hang longer than the attempt timeout', { route: 'detail', hang: true, times: 1 }],
  ])('recovers from %s by retrying', async (_name, fault) => {
    const gateway = await start();
    gateway.altur.faults.add(fault);
    const { response } = await askBoth(gateway);
    expect(response.errors).toBeUndefined();
    expect(response.data?.a).toEqual({ name: 'Altur seven' });
    expect(gateway.altur.requests.count({ route: 'detail' })).toBeGreaterThanOrEqual(2);
  });

  it('waits out a hang shorter than the attempt timeout without a retry', async () => {
    const gateway = await start();
    gateway.altur.faults.add({ route: 'detail', delayMs: 400, times: 1 });
    const { response, elapsed } = await askBoth(gateway);
    expect(response.data?.a).toEqual({ name: 'Altur seven' });
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(gateway.altur.requests.count({ route: 'detail' })).toBe(1);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const gateway = await start();
    const at = new Date(Date.now() + 1500).toUTCString();
    gateway.altur.faults.add({ route: 'detail', status: 429, headers: { 'retry-after': at }, times: 1 });
    const { response, elapsed } = await askBoth(gateway);
    expect(response.data?.a).toEqual({ name: 'Altur seven' });
    expect(elapsed).toBeGreaterThanOrEqual(400);
  });

  it.each<[string, FaultRule, string]>([
    ['a persistent 500 (retried, then given up)', { route: 'detail', status: 500 }, 'UPSTREAM_UNAVAILABLE'],
    ['a 501 (never retried)', { route: 'detail', status: 501 }, 'UPSTREAM_UNAVAILABLE'],
    [
      'a huge Retry-After',
      { route: 'detail', status: 429, headers: { 'retry-after': '3600' } },
      'UPSTREAM_RATE_LIMITED',
    ],
    ['malformed JSON', { route: 'detail', malformedJson: true }, 'UPSTREAM_BAD_RESPONSE'],
    ['truncated JSON', { route: 'detail', truncatedJson: true }, 'UPSTREAM_BAD_RESPONSE'],
    ['an oversized body', { route: 'detail', oversizedBytes: 2 * 1024 * 1024 }, 'UPSTREAM_BAD_RESPONSE'],
    ['a persistent hang', { route: 'detail', hang: true }, 'UPSTREAM_UNAVAILABLE'],
    [
      'a body trickled slower than the timeout',
      { route: 'detail', trickle: { chunkBytes: 8, intervalMs: 400 } },
      'UPSTREAM_UNAVAILABLE',
    ],
  ])('answers %s with %s in time, and recovers when it ends', async (_name, fault, code) => {
    const gateway = await start();
    const remove = gateway.altur.faults.add(fault);
    const started = Date.now();
    const { response } = await askBoth(gateway);
    expect(response.data?.a).toBeNull();
    expect(response.errors).toEqual([
      expect.objectContaining({
        path: ['a'],
        extensions: expect.objectContaining({ code, provider: 'ALTUR' }),
      }),
    ]);
    if (code === 'UPSTREAM_RATE_LIMITED') expect(Date.now() - started).toBeLessThan(1000);
    remove();
    const later = await askBoth(gateway);
    expect(later.response.data?.a).toEqual({ name: 'Altur seven' });
  });

  it.each<[string, number, number]>([
    ['a persistent 500 up to the retry limit', 500, 3],
    ['a 501 not at all', 501, 1],
  ])('retries %s', async (_name, status, attempts) => {
    const gateway = await start();
    gateway.altur.faults.add({ route: 'detail', status });
    const { response } = await askBoth(gateway);
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      provider: 'ALTUR',
    });
    expect(gateway.altur.requests.count({ route: 'detail' })).toBe(attempts);
  });

  it('opens the circuit in a persistent outage: 20 requests cost fewer than 20 attempts, later ones answer fast', async () => {
    const gateway = await start({
      overrides: { breaker: { consecutiveFailures: 5, halfOpenAfterMs: 800 } },
    });
    gateway.altur.faults.add({ route: 'detail', status: 503 });
    const elapsed: number[] = [];
    for (let request = 0; request < 20; request++) {
      const { response, elapsed: ms } = await askBoth(gateway);
      expect(response.errors?.[0]?.extensions).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        provider: 'ALTUR',
      });
      elapsed.push(ms);
    }
    expect(gateway.altur.requests.count({ route: 'detail' })).toBeLessThan(20);
    expect(Math.max(...elapsed.slice(10))).toBeLessThan(200);

    gateway.altur.faults.clear();
    await new Promise((resolve) => setTimeout(resolve, 900));
    const { response } = await askBoth(gateway);
    expect(response.data?.a).toEqual({ name: 'Altur seven' });
  });

  it('reports a refused connection as UPSTREAM_UNAVAILABLE while the other provider answers', async () => {
    const gateway = await start();
    await gateway.altur.close();
    const { response } = await askBoth(gateway);
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      provider: 'ALTUR',
    });
  });
});

describe('shared limits', () => {
  it('coalesces identical lookups in flight from separate GraphQL requests into one call', async () => {
    const gateway = await start();
    gateway.altur.faults.add({ route: 'detail', delayMs: 200 });
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        gateway.query('query ($a: ID!) { campaign(id: $a) { name } }', { a: ALTUR_ID }),
      ),
    );
    for (const response of responses) expect(response.data).toEqual({ campaign: { name: 'Altur seven' } });
    expect(gateway.altur.requests.count({ route: 'detail' })).toBe(1);
  });

  it('keeps 40 concurrent lookups in separate requests within 12 per second on Altur', async () => {
    const ids = Array.from({ length: 40 }, (_, index) => 9000 + index);
    const gateway = await start({
      altur: { dataset: ids.map((id) => ({ id })), rateLimit: { limit: 12, windowMs: 1000 } },
      alturRateLimitPerSecond: 12,
      requestDeadlineMs: 15_000,
    });
    const responses = await Promise.all(
      ids.map((id) =>
        gateway.query('query ($a: ID!) { campaign(id: $a) { providerId } }', {
          a: encodeGlobalId('AlturCampaign', String(id)),
        }),
      ),
    );
    expect(responses.map((response) => response.errors)).toEqual(ids.map(() => undefined));
    expect(gateway.altur.requests.maxInWindow(1000)).toBeLessThanOrEqual(12);
  }, 20_000);
});

describe('schema drift in a list page', () => {
  const LIST =
    '{ campaigns(first: 10, filter: { providers: [ALTUR] }) { totalCount edges { node { providerId status providerStatus } } } }';
  type ListResult = {
    campaigns: {
      totalCount: number;
      edges: { node: { providerId: string; status: string; providerStatus: string } }[];
    };
  };
  const drift = (change: (item: Record<string, unknown>) => void) => (body: unknown) => {
    const page = body as { campaigns: Record<string, unknown>[] };
    const first = page.campaigns[0];
    if (first) change(first);
    return page;
  };

  it.each<[string, (item: Record<string, unknown>) => void, string]>([
    ['a missing required field', (item) => delete item.created_at, 'created_at'],
    [
      'null in a required field',
      (item) => {
        item.name = null;
      },
      'name',
    ],
  ])('skips the item with %s and reports the field, serving the rest', async (_name, change, field) => {
    const gateway = await start({
      altur: {
        dataset: [
          alturCampaign({ id: 1, created_at: '2025-02-01T00:00:00Z' }),
          alturCampaign({ id: 2, created_at: '2025-01-01T00:00:00Z' }),
        ],
        rateLimit: false,
      },
    });
    gateway.altur.faults.add({ route: 'list', transformBody: drift(change) });
    const response = await gateway.query<ListResult>(LIST);
    expect(response.data?.campaigns.edges.map((edge) => edge.node.providerId)).toEqual(['2']);
    expect(response.errors).toEqual([
      expect.objectContaining({
        message: expect.stringContaining(`campaigns[0].${field}`),
        // Reported by the field that was served without it.
        path: ['campaigns'],
        extensions: expect.objectContaining({ code: 'UPSTREAM_BAD_RESPONSE', provider: 'ALTUR' }),
      }),
    ]);
    expectNoLeak(gateway, response.text);
  });

  it('maps an unknown status to UNKNOWN and keeps the raw value, without an error', async () => {
    const gateway = await start();
    gateway.altur.faults.add({
      route: 'list',
      transformBody: drift((item) => {
        item.status = 'paused_by_compliance';
      }),
    });
    const response = await gateway.query<ListResult>(LIST);
    expect(response.errors).toBeUndefined();
    expect(response.data?.campaigns.edges[0]?.node).toMatchObject({
      status: 'UNKNOWN',
      providerStatus: 'paused_by_compliance',
    });
  });
});

describe('readiness', () => {
  it('reports each provider breaker state on /readyz', async () => {
    const gateway = await start({
      overrides: { breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } },
    });
    const ready = await fetch(gateway.url.replace('/graphql', '/readyz'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      providers: { ALTUR: 'closed', AURALYTIK: 'closed' },
    });

    gateway.altur.faults.add({ route: 'detail', status: 503 });
    await askBoth(gateway);
    const degraded = await fetch(gateway.url.replace('/graphql', '/readyz'));
    expect(degraded.status).toBe(200);
    expect(await degraded.json()).toEqual({
      status: 'ready',
      providers: { ALTUR: 'open', AURALYTIK: 'closed' },
    });
  });
});
