import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/schema/globalId.js';
import { type AlturSimulator, startAlturSimulator } from '../../tools/simulators/index.js';
import { type GatewayProcess, spawnGateway } from '../support/process.js';
import { findRedisServer, type RedisServer, startRedisServer } from '../support/redis.js';

const redisBinary = findRedisServer();
if (redisBinary === null && process.env.CI !== undefined) {
  throw new Error('redis-server is not installed; .ci/run installs it (apt-get install redis-server)');
}

const KEY_A = 'replica-client-a-0123456789abcdef';
const KEY_B = 'replica-client-b-0123456789abcdef';
const ALTUR_IDS = Array.from({ length: 120 }, (_, index) => 7000 + index);

let redis: RedisServer;
let altur: AlturSimulator;
const gateways: GatewayProcess[] = [];

async function post(gateway: GatewayProcess, query: string, variables: Record<string, unknown>, key = KEY_A) {
  const response = await request(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.body.json()) as {
    data?: { nodes?: ({ providerId: string } | null)[] } & Record<string, unknown>;
    errors?: { extensions?: { code?: string } }[];
  };
}

const LOOKUP = 'query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Campaign { providerId } } }';
const lookups = (ids: readonly number[]) => ids.map((id) => encodeGlobalId('AlturCampaign', String(id)));

async function readyz(gateway: GatewayProcess) {
  const response = await request(gateway.url.replace('/graphql', '/readyz'));
  return (await response.body.json()) as { status: string; redis?: string };
}

describe.skipIf(redisBinary === null)('two replicas sharing one Redis', () => {
  beforeAll(async () => {
    redis = await startRedisServer(redisBinary ?? 'redis-server');
    altur = await startAlturSimulator({
      dataset: ALTUR_IDS.map((id) => ({ id, created_at: '2025-01-01T00:00:00Z' })),
      rateLimit: { limit: 12, windowMs: 1000 },
    });
    const env = {
      NODE_ENV: 'production',
      ALTUR_API_KEY: altur.apiKey,
      ALTUR_BASE_URL: altur.url,
      GATEWAY_API_KEYS: `${KEY_A},${KEY_B}`,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `test-${process.pid}`,
      RESPONSE_CACHE_TTL_MS: '60000',
      // These tests count upstream calls of the rate limit and the per-key response cache alone; the shared
      // upstream cache, which would answer another key's identical page, has its own tests.
      UPSTREAM_CACHE_MAX_BYTES: '0',
    };
    gateways.push(await spawnGateway(env), await spawnGateway(env));
    // Both replicas connected and counted each other (heartbeats every 2 s).
    for (const gateway of gateways) {
      for (let i = 0; i < 50 && (await readyz(gateway)).redis !== 'connected'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 2500));
  }, 30_000);

  afterAll(async () => {
    for (const gateway of gateways) gateway.child.kill('SIGKILL');
    await redis?.stop();
    await altur?.close();
  });

  it('reports Redis in /readyz', async () => {
    for (const gateway of gateways)
      expect(await readyz(gateway)).toMatchObject({ status: 'ready', redis: 'connected' });
  });

  it('keeps Altur at 12 requests in any second across both replicas', async () => {
    altur.requests.reset();
    const [first, second] = gateways as [GatewayProcess, GatewayProcess];
    const started = Date.now();
    const [a, b] = await Promise.all([
      post(first, LOOKUP, { ids: lookups(ALTUR_IDS.slice(0, 30)) }),
      post(second, LOOKUP, { ids: lookups(ALTUR_IDS.slice(30, 60)) }),
    ]);
    const elapsed = Date.now() - started;
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    expect(a.data?.nodes?.map((node) => node?.providerId)).toEqual(ALTUR_IDS.slice(0, 30).map(String));
    expect(b.data?.nodes?.map((node) => node?.providerId)).toEqual(ALTUR_IDS.slice(30, 60).map(String));
    expect(altur.requests.count({ route: 'detail' })).toBe(60);
    expect(altur.requests.count({ status: 429 })).toBe(0);
    expect(altur.requests.maxInWindow(1000)).toBeLessThanOrEqual(12);
    // Each replica alone would have sent its 30 in under 3 s; together they share 12/s.
    expect(elapsed).toBeGreaterThan(4000);
  }, 30_000);

  it('shares cached responses between replicas, never across client keys', async () => {
    const [first, second] = gateways as [GatewayProcess, GatewayProcess];
    const query = 'query ($n: Int) { campaigns(first: $n) { edges { node { id } } } }';
    altur.requests.reset();
    const fresh = await post(first, query, { n: 3 }, KEY_A);
    expect(fresh.errors).toBeUndefined();
    const listCalls = altur.requests.count();
    expect(listCalls).toBeGreaterThan(0);

    const fromOtherReplica = await post(second, query, { n: 3 }, KEY_A);
    expect(fromOtherReplica).toEqual(fresh);
    expect(altur.requests.count()).toBe(listCalls);

    const otherKey = await post(second, query, { n: 3 }, KEY_B);
    expect(otherKey.data).toEqual(fresh.data);
    expect(altur.requests.count()).toBe(2 * listCalls);
  }, 15_000);

  it('keeps answering on both replicas with Redis stopped, each within its share of the limit', async () => {
    await redis.stop();
    altur.requests.reset();
    const [first, second] = gateways as [GatewayProcess, GatewayProcess];
    const [a, b] = await Promise.all([
      post(first, LOOKUP, { ids: lookups(ALTUR_IDS.slice(60, 78)) }),
      post(second, LOOKUP, { ids: lookups(ALTUR_IDS.slice(78, 96)) }),
    ]);
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    expect(a.data?.nodes?.map((node) => node?.providerId)).toEqual(ALTUR_IDS.slice(60, 78).map(String));
    expect(b.data?.nodes?.map((node) => node?.providerId)).toEqual(ALTUR_IDS.slice(78, 96).map(String));
    expect(altur.requests.count({ status: 429 })).toBe(0);
    expect(altur.requests.maxInWindow(1000)).toBeLessThanOrEqual(12);
    for (const gateway of gateways)
      expect(await readyz(gateway)).toMatchObject({ status: 'ready', redis: 'unreachable' });
  }, 30_000);
});
