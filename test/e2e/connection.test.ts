import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignChannel, CampaignStatus, Provider } from '../../src/domain/campaign.js';
import { generateAlturDataset, generateAuralytikDataset } from '../../tools/simulators/index.js';
import { type Edge, expectedIds, type Filter, key, PAGE, type Page } from '../support/campaigns.js';
import { expectNoLeak, type Harness, startHarness } from '../support/harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ altur: { rateLimit: false }, alturRateLimitPerSecond: 10_000 });
});
afterAll(() => harness.close());

async function page(variables: Record<string, unknown>): Promise<Page['campaigns']> {
  const response = await harness.query<Page>(PAGE, variables);
  if (response.errors !== undefined || !response.data) throw new Error(`unexpected errors: ${response.text}`);
  return response.data.campaigns;
}

async function walkForward(size: number, filter: Filter) {
  const seen: Edge[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 500; guard++) {
    const result: Page['campaigns'] = await page({ first: size, after, filter });
    seen.push(...result.edges);
    expect(result.pageInfo.hasPreviousPage).toBe(after !== null);
    if (!result.pageInfo.hasNextPage) return { edges: seen, totalCount: result.totalCount };
    expect(result.edges.length).toBeGreaterThan(0);
    after = result.pageInfo.endCursor;
  }
  throw new Error('walk did not end');
}

const filterArbitrary: fc.Arbitrary<Filter> = fc.record(
  {
    providers: fc.subarray<Provider>(['ALTUR', 'AURALYTIK']),
    status: fc.subarray<CampaignStatus>(
      ['PENDING', 'READY', 'RUNNING', 'PAUSED', 'COOLDOWN', 'COMPLETED', 'UNKNOWN'],
      {
        minLength: 1,
      },
    ),
    channels: fc.subarray<CampaignChannel>(['VOICE', 'WHATSAPP', 'OTHER'], { minLength: 1 }),
    createdAfter: fc.constantFrom('2024-06-01T00:00:00Z', '2025-06-01T00:00:00Z'),
    createdBefore: fc.constantFrom('2025-12-31T00:00:00Z', '2026-10-01T00:00:00Z'),
    includeArchived: fc.boolean(),
  },
  { requiredKeys: [] },
);

describe('campaigns: one Relay connection over both providers', () => {
  it('returns every matching campaign exactly once, newest first, in any walk', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 45 }),
        fc.integer({ min: 0, max: 45 }),
        fc.integer({ min: 1, max: 1000 }),
        filterArbitrary,
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 100 })), { maxLength: 6 }),
        async (alturCount, auralytikCount, seed, filter, size, zigzag) => {
          const altur = generateAlturDataset({ count: alturCount, seed, tieEvery: 4 });
          const auralytik = generateAuralytikDataset({ count: auralytikCount, seed: seed + 1, tieEvery: 4 });
          harness.altur.setDataset(altur);
          harness.auralytik.setDataset(auralytik);
          const expected = expectedIds(filter, altur, auralytik);

          const reference = await walkForward(100, filter);
          const order = reference.edges.map(key);
          expect([...order].sort()).toEqual(expected);
          expect(reference.totalCount).toBe(expected.length);
          const times = reference.edges.map((edge) => Date.parse(edge.node.createdAt));
          times.forEach((time, index) => {
            if (index > 0) expect(time).toBeLessThanOrEqual(times[index - 1] ?? Infinity);
          });

          const forward = await walkForward(size, filter);
          expect(forward.edges.map(key)).toEqual(order);

          // Backward from the end with `last` and `before` gives the same order reversed.
          const backward: string[] = [];
          let before: string | null = null;
          for (let guard = 0; guard < 500; guard++) {
            const result: Page['campaigns'] = await page({ last: size, before, filter });
            expect(result.pageInfo.hasNextPage).toBe(before !== null);
            expect(result.totalCount).toBe(expected.length);
            backward.unshift(...result.edges.map(key));
            if (!result.pageInfo.hasPreviousPage) break;
            before = result.pageInfo.startCursor;
          }
          expect(backward).toEqual(order);

          // A zigzag from the first page: every page is the contiguous slice next to the previous one.
          if (order.length === 0) return;
          let current = await page({ first: size, filter });
          let start = 0;
          let end = current.edges.length - 1;
          for (const [forwardStep, count] of zigzag) {
            const cursor = forwardStep ? current.pageInfo.endCursor : current.pageInfo.startCursor;
            if (cursor === null) break;
            current = await page(
              forwardStep ? { first: count, after: cursor, filter } : { last: count, before: cursor, filter },
            );
            const keys = current.edges.map(key);
            if (forwardStep) {
              expect(keys).toEqual(order.slice(end + 1, end + 1 + count));
              expect(current.pageInfo.hasNextPage).toBe(end + count < order.length - 1);
              expect(current.pageInfo.hasPreviousPage).toBe(true);
              if (keys.length === 0) break;
              start = end + 1;
              end = start + keys.length - 1;
            } else {
              expect(keys).toEqual(order.slice(Math.max(0, start - count), start));
              expect(current.pageInfo.hasPreviousPage).toBe(start - count > 0);
              expect(current.pageInfo.hasNextPage).toBe(true);
              if (keys.length === 0) break;
              end = start - 1;
              start = end - keys.length + 1;
            }
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);

  // Found by the walk above (seed 1847201514): a page of `last: 100` before the first campaign, or of
  // `first: 100` after the last, skips more than one upstream page can hold, and the skip ran into the
  // list's edge; the empty page then claimed there was more beyond it.
  it('says there is nothing beyond the first or last campaign when paging past it by more than a page', async () => {
    harness.altur.setDataset(
      generateAlturDataset({ count: 3, seed: 7 }).map((record) => ({ ...record, archived: false })),
    );
    harness.auralytik.setDataset([]);
    const newest = await page({ first: 1 });
    const before = await page({ last: 100, before: newest.pageInfo.startCursor });
    expect(before.edges).toEqual([]);
    expect(before.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });

    const oldest = await page({ last: 1 });
    const after = await page({ first: 100, after: oldest.pageInfo.endCursor });
    expect(after.edges).toEqual([]);
    expect(after.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('costs at most 2 list calls per provider per page of 25, and none for an excluded provider', async () => {
    harness.altur.setDataset(generateAlturDataset({ count: 200, seed: 7 }));
    harness.auralytik.setDataset(generateAuralytikDataset({ count: 200, seed: 8 }));
    let after: string | null = null;
    let pages = 0;
    let alturCalls = 0;
    let auralytikCalls = 0;
    do {
      harness.altur.requests.reset();
      harness.auralytik.requests.reset();
      const result: Page['campaigns'] = await page({ first: 25, after });
      const altur = harness.altur.requests.count({ route: 'list' });
      const auralytik = harness.auralytik.requests.count({ route: 'list' });
      expect(altur).toBeLessThanOrEqual(2);
      expect(auralytik).toBeLessThanOrEqual(2);
      alturCalls += altur;
      auralytikCalls += auralytik;
      pages++;
      after = result.pageInfo.hasNextPage ? result.pageInfo.endCursor : null;
    } while (after !== null);
    // Mostly one call each: report how far from the floor a whole walk is.
    expect(alturCalls + auralytikCalls).toBeLessThan(pages * 3);

    harness.auralytik.requests.reset();
    await page({ first: 25, filter: { agentId: 'agt_1' } });
    await page({ first: 25, filter: { providers: ['ALTUR'] } });
    expect(harness.auralytik.requests.count()).toBe(0);
  }, 60_000);

  it('loses nothing and repeats nothing when a provider fails mid-walk and recovers', async () => {
    const altur = generateAlturDataset({ count: 60, seed: 11 });
    const auralytik = generateAuralytikDataset({ count: 60, seed: 12 });
    harness.altur.setDataset(altur);
    harness.auralytik.setDataset(auralytik);
    const seen: string[] = [];
    let after: string | null = null;
    let failedPages = 0;
    for (let pageNumber = 0; pageNumber < 100; pageNumber++) {
      const removeFault =
        pageNumber === 1 ? harness.auralytik.faults.add({ route: 'list', status: 503 }) : null;
      const response: Awaited<ReturnType<typeof harness.query<Page>>> = await harness.query<Page>(PAGE, {
        first: 10,
        after,
      });
      removeFault?.();
      if (pageNumber === 1) {
        failedPages++;
        expect(response.errors).toEqual([
          expect.objectContaining({
            path: ['campaigns'],
            extensions: expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', provider: 'AURALYTIK' }),
          }),
        ]);
        expect(response.data?.campaigns.edges.every((edge) => edge.node.provider === 'ALTUR')).toBe(true);
        expect(response.data?.campaigns.totalCount).toBe(altur.filter((record) => !record.archived).length);
        expectNoLeak(harness, response.text);
      } else {
        expect(response.errors).toBeUndefined();
      }
      const campaigns: Page['campaigns'] | undefined = response.data?.campaigns;
      if (!campaigns) throw new Error(response.text);
      seen.push(...campaigns.edges.map(key));
      if (!campaigns.pageInfo.hasNextPage) break;
      after = campaigns.pageInfo.endCursor;
    }
    expect(failedPages).toBe(1);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(expectedIds({}, altur, auralytik));
  }, 30_000);

  it('primes lookups from a listed page: node(id) of a listed campaign costs no call', async () => {
    harness.altur.setDataset(generateAlturDataset({ count: 20, seed: 3 }));
    harness.auralytik.setDataset(generateAuralytikDataset({ count: 20, seed: 4 }));
    const first = await page({ first: 5 });
    const ids = first.edges.map((edge) => edge.node.id);
    harness.altur.requests.reset();
    harness.auralytik.requests.reset();
    const response = await harness.query<{ nodes: { id: string }[] }>(
      'query ($ids: [ID!]!) { campaigns(first: 5) { totalCount } nodes(ids: $ids) { id } }',
      { ids },
    );
    expect(response.data?.nodes.map((node) => node.id)).toEqual(ids);
    expect(
      harness.altur.requests.count({ route: 'detail' }) +
        harness.auralytik.requests.count({ route: 'detail' }),
    ).toBe(0);
  });

  it('makes identical upstream requests of one operation once', async () => {
    harness.altur.requests.reset();
    harness.auralytik.requests.reset();
    const response = await harness.query(
      '{ a: campaigns(first: 7) { totalCount } b: campaigns(first: 7) { totalCount } }',
    );
    expect(response.errors).toBeUndefined();
    expect(harness.altur.requests.count()).toBe(1);
    expect(harness.auralytik.requests.count()).toBe(1);
  });

  it.each([
    [{ first: 5, last: 5 }, 'last'],
    [{ first: -1 }, 'first'],
    [{ first: 101 }, 'first'],
    [{ last: 1000 }, 'last'],
    [{ first: 5, after: 'garbage' }, 'after'],
    [{ last: 5, before: '1.e30' }, 'before'],
    [{ first: 5, before: 'x' }, 'before'],
  ])('rejects %j with BAD_USER_INPUT and no upstream call', async (variables, argument) => {
    harness.altur.requests.reset();
    harness.auralytik.requests.reset();
    const response = await harness.query(PAGE, variables);
    expect(response.data).toBeNull();
    expect(response.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', argument }) }),
    ]);
    expect(harness.altur.requests.count() + harness.auralytik.requests.count()).toBe(0);
  });

  it('rejects a cursor used with another filter', async () => {
    const first = await page({ first: 2 });
    harness.altur.requests.reset();
    const response = await harness.query(PAGE, {
      first: 2,
      after: first.pageInfo.endCursor,
      filter: { status: ['RUNNING'] },
    });
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
    expect(response.errors?.[0]?.message).toContain('different filter');
    expect(harness.altur.requests.count()).toBe(0);
  });

  it('answers 25 campaigns without arguments, and an empty list for an empty filter list', async () => {
    harness.altur.setDataset(generateAlturDataset({ count: 30, seed: 5 }));
    harness.auralytik.setDataset(generateAuralytikDataset({ count: 30, seed: 6 }));
    expect((await page({})).edges).toHaveLength(25);
    harness.altur.requests.reset();
    harness.auralytik.requests.reset();
    const empty = await page({ filter: { status: [] } });
    expect(empty).toEqual({
      totalCount: 0,
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
    expect(harness.altur.requests.count() + harness.auralytik.requests.count()).toBe(0);
  });
});
