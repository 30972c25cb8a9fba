import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';

const KEY_A = 'cache-client-a-0123456789abcdef';
const KEY_B = 'cache-client-b-0123456789abcdef';
const PAGE = 'query Page($n: Int) { campaigns(first: $n) { totalCount edges { node { id name } } } }';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ security: { apiKeys: [KEY_A, KEY_B] }, responseCacheTtlMs: 60_000 });
});
afterAll(() => harness.close());
beforeEach(() => {
  harness.altur.faults.clear();
  harness.auralytik.faults.clear();
  harness.altur.requests.reset();
  harness.auralytik.requests.reset();
});

const calls = () => harness.altur.requests.count() + harness.auralytik.requests.count();
const as = (key: string, variables: Record<string, unknown>) =>
  harness.query(PAGE, variables, { authorization: `Bearer ${key}` });

it('serves a repeated query from the cache, but never to a client with another key', async () => {
  const first = await as(KEY_A, { n: 4 });
  expect(first.errors).toBeUndefined();
  const upstreamForFirst = calls();
  expect(upstreamForFirst).toBeGreaterThan(0);

  const again = await as(KEY_A, { n: 4 });
  expect(again.data).toEqual(first.data);
  expect(calls()).toBe(upstreamForFirst);

  const otherClient = await as(KEY_B, { n: 4 });
  expect(otherClient.data).toEqual(first.data);
  expect(calls()).toBe(2 * upstreamForFirst);

  const otherVariables = await as(KEY_A, { n: 5 });
  expect(otherVariables.errors).toBeUndefined();
  expect(calls()).toBeGreaterThan(2 * upstreamForFirst);

  const metrics = await (await request(harness.url.replace('/graphql', '/metrics'))).body.text();
  expect(metrics).toMatch(/gateway_response_cache_lookups_total\{result="hit"\} 1\b/);
  expect(metrics).toMatch(/gateway_response_cache_lookups_total\{result="miss"\} [3-9]\b/);
});

it('never caches a partial result: once the provider is back, it is asked again', async () => {
  harness.auralytik.faults.add({ status: 503 });
  const partial = await as(KEY_A, { n: 6 });
  expect(partial.errors?.map((error) => error.extensions?.code)).toContain('UPSTREAM_UNAVAILABLE');
  harness.auralytik.faults.clear();
  harness.auralytik.requests.reset();
  const whole = await as(KEY_A, { n: 6 });
  expect(whole.errors).toBeUndefined();
  expect(harness.auralytik.requests.count()).toBeGreaterThan(0);
});
