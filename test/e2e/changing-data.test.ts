import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Provider } from '../../src/domain/campaign.js';
import {
  ALTUR_STATUSES,
  AURALYTIK_STATUSES,
  generateAlturDataset,
  generateAuralytikDataset,
} from '../../tools/simulators/index.js';
import {
  type Edge,
  expectExactlyOnce,
  expectedIds,
  type Filter,
  PAGE,
  type Page,
} from '../support/campaigns.js';
import { type Harness, startHarness } from '../support/harness.js';

// Paging while the providers' data changes between pages, over real HTTP against both simulators: campaigns
// are created at the head, deleted, change status, and are created at an instant another campaign has.

let harness: Harness;

async function forgetCachedPages() {
  await harness.cache?.invalidate('ALTUR');
  await harness.cache?.invalidate('AURALYTIK');
}

async function page(variables: Record<string, unknown>): Promise<Page['campaigns']> {
  const response = await harness.query<Page>(PAGE, variables);
  if (response.errors !== undefined || !response.data) throw new Error(`unexpected errors: ${response.text}`);
  return response.data.campaigns;
}

type Mutation =
  | { kind: 'create'; provider: Provider }
  | { kind: 'tie'; provider: Provider; pick: number }
  | { kind: 'delete'; provider: Provider; pick: number }
  | { kind: 'status'; provider: Provider; pick: number; status: number };

/** Applies one mutation; returns the key of the campaign it touched, or null when there was nothing to touch. */
function apply(mutation: Mutation): string | null {
  if (mutation.provider === 'ALTUR') {
    const records = harness.altur.dataset();
    const target = records[mutation.kind === 'create' ? 0 : mutation.pick % Math.max(1, records.length)];
    switch (mutation.kind) {
      case 'create':
        return `ALTUR:${harness.altur.createCampaign({ archived: false }).id}`;
      case 'tie':
        if (target === undefined) return null;
        return `ALTUR:${harness.altur.createCampaign({ created_at: target.created_at, archived: false }).id}`;
      case 'delete':
        if (target === undefined) return null;
        harness.altur.deleteCampaign(target.id);
        return `ALTUR:${target.id}`;
      case 'status':
        if (target === undefined) return null;
        harness.altur.updateCampaign(target.id, {
          status: ALTUR_STATUSES[mutation.status % ALTUR_STATUSES.length] ?? 'active',
        });
        return `ALTUR:${target.id}`;
    }
  }
  const records = harness.auralytik.dataset();
  const target = records[mutation.kind === 'create' ? 0 : mutation.pick % Math.max(1, records.length)];
  switch (mutation.kind) {
    case 'create':
      return `AURALYTIK:${harness.auralytik.createCampaign().id}`;
    case 'tie':
      if (target === undefined) return null;
      return `AURALYTIK:${harness.auralytik.createCampaign({ createdAt: target.createdAt }).id}`;
    case 'delete':
      if (target === undefined) return null;
      harness.auralytik.deleteCampaign(target.id);
      return `AURALYTIK:${target.id}`;
    case 'status':
      if (target === undefined) return null;
      harness.auralytik.updateCampaign(target.id, {
        status: AURALYTIK_STATUSES[mutation.status % AURALYTIK_STATUSES.length] ?? 'Running',
      });
      return `AURALYTIK:${target.id}`;
  }
}

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('create' as const),
    provider: fc.constantFrom<Provider>('ALTUR', 'AURALYTIK'),
  }),
  fc.record({
    kind: fc.constantFrom('tie' as const, 'delete' as const),
    provider: fc.constantFrom<Provider>('ALTUR', 'AURALYTIK'),
    pick: fc.nat(),
  }),
  fc.record({
    kind: fc.constant('status' as const),
    provider: fc.constantFrom<Provider>('ALTUR', 'AURALYTIK'),
    pick: fc.nat(),
    status: fc.nat(),
  }),
);

const FILTERS: readonly Filter[] = [
  {},
  { status: ['RUNNING', 'PAUSED'] },
  { providers: ['AURALYTIK'] },
  { channels: ['VOICE'] },
  { status: ['RUNNING', 'COMPLETED'], providers: ['ALTUR'] },
];

/** Upstream list calls per stream (one upstream query, whatever its page or cursor) since the last reset. */
function callsPerStream(): number {
  const counts = new Map<string, number>();
  for (const simulator of [harness.altur, harness.auralytik]) {
    for (const request of simulator.requests.all({ route: 'list' })) {
      const query = new URLSearchParams(request.query);
      for (const paging of ['page', 'pageSize', 'cursor', 'direction', 'dateFrom', 'dateTo'])
        query.delete(paging);
      query.sort();
      const stream = `${simulator.url} ${query}`;
      counts.set(stream, (counts.get(stream) ?? 0) + 1);
    }
    simulator.requests.reset();
  }
  return Math.max(0, ...counts.values());
}

interface WalkOutcome {
  shown: Edge[];
  maxCallsPerStream: number;
}

/** Walks to the end in one direction, applying `schedule[i]` before page i + 1. */
async function walk(
  direction: 'forward' | 'backward',
  size: number,
  filter: Filter,
  schedule: readonly (readonly Mutation[])[],
  touched: Set<string>,
): Promise<WalkOutcome> {
  const shown: Edge[] = [];
  let cursor: string | null = null;
  let maxCallsPerStream = 0;
  for (let index = 0; index < 400; index++) {
    if (index > 0) {
      if (harness.cache !== undefined)
        await new Promise((resolve) => setTimeout(resolve, ((index * 7) % 4) * 12));
      for (const mutation of schedule[index - 1] ?? []) {
        const changed = apply(mutation);
        if (changed !== null) touched.add(changed);
      }
    }
    callsPerStream();
    const result: Page['campaigns'] = await page(
      direction === 'forward'
        ? { first: size, after: cursor, filter }
        : { last: size, before: cursor, filter },
    );
    maxCallsPerStream = Math.max(maxCallsPerStream, callsPerStream());
    if (direction === 'forward') shown.push(...result.edges);
    else shown.unshift(...result.edges);
    const more = direction === 'forward' ? result.pageInfo.hasNextPage : result.pageInfo.hasPreviousPage;
    if (!more) return { shown, maxCallsPerStream };
    cursor = direction === 'forward' ? result.pageInfo.endCursor : result.pageInfo.startCursor;
  }
  throw new Error('the walk did not end');
}

// With the shared upstream cache on, pages come from entries of different ages (fresh for 20 ms, served
// stale for up to 60 ms while they refresh, and the walk pauses 0 to 36 ms between pages): the guarantees
// must not depend on every page being current.
describe.each([
  { name: 'straight to the providers', cache: undefined },
  {
    name: 'through the shared upstream cache',
    cache: { freshMs: 20, staleWhileRevalidateMs: 60, staleIfErrorMs: 60_000 },
  },
])('campaigns while the providers change between pages, $name', ({ cache }) => {
  beforeAll(async () => {
    harness = await startHarness({
      altur: { rateLimit: false },
      alturRateLimitPerSecond: 10_000,
      ...(cache === undefined ? {} : { upstreamCache: cache }),
    });
  });
  afterAll(() => harness.close());
  beforeEach(() => {
    harness.altur.faults.clear();
    harness.auralytik.faults.clear();
  });

  it('shows every campaign that stayed once and none twice, in random walks with random changes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.constantFrom(...FILTERS),
        fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 100 })),
        fc.constantFrom<'forward' | 'backward'>('forward', 'backward'),
        fc.array(fc.array(mutationArbitrary, { maxLength: 4 }), { maxLength: 40 }),
        async (alturCount, auralytikCount, seed, filter, size, direction, schedule) => {
          harness.altur.setDataset(
            generateAlturDataset({ count: alturCount, seed, tieEvery: 4 }).map((record) => ({
              ...record,
              archived: false,
            })),
          );
          harness.auralytik.setDataset(
            generateAuralytikDataset({ count: auralytikCount, seed: seed + 1, tieEvery: 4 }),
          );
          // A new dataset is a new world, not a change between pages: nothing cached from the last run.
          await forgetCachedPages();
          const expected = expectedIds(filter, harness.altur.dataset(), harness.auralytik.dataset());
          const touched = new Set<string>();
          const { shown, maxCallsPerStream } = await walk(direction, size, filter, schedule, touched);
          expectExactlyOnce(shown, expected, touched);
          expect(maxCallsPerStream, 'upstream calls per stream per page').toBeLessThanOrEqual(3);
        },
      ),
      { numRuns: 40 },
    );
  }, 180_000);

  it('costs at most 2 calls per stream per page without changes, usually 1', async () => {
    harness.altur.setDataset(generateAlturDataset({ count: 200, seed: 3 }));
    harness.auralytik.setDataset(generateAuralytikDataset({ count: 200, seed: 4 }));
    await forgetCachedPages();
    for (const direction of ['forward', 'backward'] as const) {
      const { maxCallsPerStream } = await walk(
        direction,
        25,
        { status: ['RUNNING', 'PAUSED'] },
        [],
        new Set(),
      );
      expect(maxCallsPerStream).toBeLessThanOrEqual(2);
    }
  }, 60_000);

  it('walks first: 25 while campaigns are created at both heads and deleted at random, in real time', async () => {
    harness.altur.setDataset(
      generateAlturDataset({ count: 220, seed: 11 }).map((record) => ({ ...record, archived: false })),
    );
    harness.auralytik.setDataset(generateAuralytikDataset({ count: 220, seed: 12 }));
    await forgetCachedPages();
    const expected = expectedIds({}, harness.altur.dataset(), harness.auralytik.dataset());
    const touched = new Set<string>();
    let picks = 0;
    // Five times the rate (one a second at each head, one deletion a second), so a walk of a few
    // seconds meets dozens of changes.
    const timer = setInterval(() => {
      for (const provider of ['ALTUR', 'AURALYTIK'] as const) {
        const created = apply({ kind: 'create', provider });
        if (created !== null) touched.add(created);
      }
      picks += 7919;
      const deleted = apply({
        kind: 'delete',
        provider: picks % 2 === 0 ? 'ALTUR' : 'AURALYTIK',
        pick: picks,
      });
      if (deleted !== null) touched.add(deleted);
    }, 200);
    try {
      const shown: Edge[] = [];
      let after: string | null = null;
      for (let index = 0; index < 100; index++) {
        const result: Page['campaigns'] = await page({ first: 25, after });
        shown.push(...result.edges);
        if (!result.pageInfo.hasNextPage) break;
        after = result.pageInfo.endCursor;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(touched.size).toBeGreaterThan(30);
      expectExactlyOnce(shown, expected, touched);
      expect(shown.length).toBeGreaterThanOrEqual(expected.length - touched.size);
    } finally {
      clearInterval(timer);
    }
  }, 60_000);
});
