import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CampaignPage, readCampaignPage } from '../../../src/campaigns/connection.js';
import type { Campaign, CampaignStatus, Provider } from '../../../src/domain/campaign.js';
import type { ConnectionArgs } from '../../../src/pagination/connectionArgs.js';
import { CursorCodec, MAX_CURSOR_LENGTH } from '../../../src/pagination/cursor.js';
import { compareKeys, keyOf } from '../../../src/pagination/order.js';
import { CursorStream } from '../../../src/streams/cursorStream.js';
import { KeysetTrust, PageNumberedStream } from '../../../src/streams/pageNumberedStream.js';
import type { CampaignStream } from '../../../src/streams/stream.js';
import {
  at,
  campaign,
  FakeCursorApi,
  FakePageApi,
  FakeStore,
  idOf,
  TIE_ORDER,
  tieOrder,
} from '../streams/fakes.js';

const codec = new CursorCodec('test-secret-0123456789');

/** Stream 0: Altur (cursor API); 1 and 2: Auralytik (page-numbered), one status filter each. */
const STREAM_NAMES = ['ALTUR', 'AURALYTIK RUNNING', 'AURALYTIK PAUSED'] as const;

function setup(dataset: readonly Campaign[], failing: (stream: number) => boolean) {
  const store = new FakeStore(dataset);
  const altur = new FakeCursorApi(store, 'ALTUR', { failing: () => failing(0) });
  const running = new FakePageApi(store, 'AURALYTIK', {
    matches: (item) => item.status === 'RUNNING',
    failing: () => failing(1),
  });
  const paused = new FakePageApi(store, 'AURALYTIK', {
    matches: (item) => item.status === 'PAUSED',
    failing: () => failing(2),
  });
  const trust = new KeysetTrust();
  const pageStream = (key: string, api: FakePageApi) =>
    new PageNumberedStream({
      key,
      provider: 'AURALYTIK',
      idOrder: TIE_ORDER.AURALYTIK,
      fetchPage: api.fetchPage,
      keyset: trust,
    });
  const streams: CampaignStream[] = [
    new CursorStream({
      key: 'ALTUR {}',
      provider: 'ALTUR',
      idOrder: TIE_ORDER.ALTUR,
      fetchPage: altur.fetchPage,
    }),
    pageStream('AURALYTIK {"status":"RUNNING"}', running),
    pageStream('AURALYTIK {"status":"PAUSED"}', paused),
  ];
  return { store, apis: [altur, running, paused], streams };
}

type Mutation =
  | { kind: 'createAtHead'; provider: Provider; paused: boolean }
  | { kind: 'delete'; pick: number }
  | { kind: 'toggleStatus'; pick: number }
  | { kind: 'createTie'; pick: number; paused: boolean };

const providerArbitrary = fc.constantFrom<Provider>('ALTUR', 'AURALYTIK');
const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('createAtHead' as const),
    provider: providerArbitrary,
    paused: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('toggleStatus' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('createTie' as const), pick: fc.nat(), paused: fc.boolean() }),
);

const datasetArbitrary = fc.array(
  fc.record({ provider: providerArbitrary, seconds: fc.integer({ min: 0, max: 30 }), paused: fc.boolean() }),
  { maxLength: 60 },
);

interface Page {
  /** Mutations made just before the page is read. */
  mutations: Mutation[];
  count: number;
  /** Zigzag walks only: read this page backward (before the last page's first edge). */
  backward: boolean;
  /** Streams whose upstream fails while this page is read. */
  failing: number[];
}

const pageArbitrary = (failures: boolean): fc.Arbitrary<Page> =>
  fc.record({
    mutations: fc.array(mutationArbitrary, { maxLength: 4 }),
    count: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 100 })),
    backward: fc.boolean(),
    failing: failures
      ? fc.oneof(
          fc.constant<number[]>([]),
          fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 2 }),
        )
      : fc.constant<number[]>([]),
  });

class World {
  private fresh = 0;
  readonly deleted = new Set<string>();

  constructor(readonly store: FakeStore) {}

  static build(
    rows: { provider: Provider; seconds: number; paused: boolean }[],
    failing: (s: number) => boolean,
  ) {
    const built = setup([], failing);
    const world = new World(built.store);
    for (const row of rows) world.store.add(world.make(row.provider, at(row.seconds), row.paused));
    return { world, ...built };
  }

  make(provider: Provider, createdAtMs: number, paused: boolean): Campaign {
    this.fresh += 1;
    const status: CampaignStatus = paused ? 'PAUSED' : 'RUNNING';
    return provider === 'ALTUR'
      ? campaign('ALTUR', `${1000 + this.fresh}`, createdAtMs, status)
      : campaign('AURALYTIK', `u${this.fresh.toString(36)}`, createdAtMs, status);
  }

  apply(mutation: Mutation): void {
    const all = this.store.all();
    const picked = 'pick' in mutation ? all[mutation.pick % Math.max(1, all.length)] : undefined;
    switch (mutation.kind) {
      case 'createAtHead': {
        const top = all[0]?.createdAt.getTime() ?? at(0);
        this.store.add(this.make(mutation.provider, top + 1000, mutation.paused));
        return;
      }
      case 'delete':
        if (picked === undefined) return;
        this.store.delete(picked.provider, picked.providerId);
        this.deleted.add(idOf(picked));
        return;
      case 'toggleStatus':
        // Altur has one stream here: a status change moves only Auralytik campaigns between streams.
        if (picked === undefined || picked.provider !== 'AURALYTIK') return;
        this.store.setStatus(
          picked.provider,
          picked.providerId,
          picked.status === 'RUNNING' ? 'PAUSED' : 'RUNNING',
        );
        return;
      case 'createTie':
        if (picked === undefined) return;
        this.store.add(this.make(picked.provider, picked.createdAt.getTime(), mutation.paused));
        return;
    }
  }
}

/** What a page must hold when nothing fails: the campaigns beyond the edge, in the merged order. */
function oracle(list: readonly Campaign[], edge: Campaign | null, count: number, backward: boolean) {
  const beyond =
    edge === null
      ? list
      : list.filter((item) => {
          const order = compareKeys(keyOf(item), keyOf(edge), tieOrder(item.provider));
          return backward ? order < 0 : order > 0;
        });
  const taken = backward ? beyond.slice(Math.max(0, beyond.length - count)) : beyond.slice(0, count);
  return { ids: taken.map(idOf), more: beyond.length > count };
}

type WalkKind = 'forward' | 'backward' | 'zigzag';

/**
 * Walks the connection page by page, mutating the lists before each page as scheduled, and checks what the
 * guarantees promise. Returns what was shown, for the caller's whole-walk checks.
 */
async function runWalk(
  rows: { provider: Provider; seconds: number; paused: boolean }[],
  kind: WalkKind,
  schedule: Page[],
) {
  let pageIndex = 0;
  const { world, streams, apis } = World.build(
    rows,
    (stream) => pageIndex < schedule.length && (schedule[pageIndex]?.failing ?? []).includes(stream),
  );
  const initial = world.store.all().map(idOf);
  const shown: string[] = [];
  /** createdAt of each page's campaigns, page by page. */
  const pages: number[][] = [];
  let last: CampaignPage | null = null;
  let anyFailure = false;
  for (; pageIndex < 400; pageIndex++) {
    // The schedule is finite: after it, the walk goes on to its end with nothing changing or failing.
    const scheduled = schedule[pageIndex % schedule.length] ?? {
      mutations: [],
      count: 10,
      backward: false,
      failing: [],
    };
    const page = pageIndex < schedule.length ? scheduled : { ...scheduled, mutations: [], failing: [] };
    if (pageIndex > 0) for (const mutation of page.mutations) world.apply(mutation);
    const backward = kind === 'backward' || (kind === 'zigzag' && page.backward);
    const first = last?.edges[0];
    const end = last?.edges[last.edges.length - 1];
    const edge = last === null ? null : backward ? (first ?? null) : (end ?? null);
    const args: ConnectionArgs = backward
      ? { last: page.count, before: edge?.cursor ?? null }
      : { first: page.count, after: edge?.cursor ?? null };
    const callsBefore = apis.map((api) => api.calls.length);
    const result = await readCampaignPage(streams, args, codec);
    const ids = result.edges.map((item) => idOf(item.node));
    if (result.failures.length > 0) anyFailure = true;
    if (!anyFailure) {
      const expected = oracle(world.store.all(), edge?.node ?? null, page.count, backward);
      expect({ page: pageIndex, ids }).toEqual({ page: pageIndex, ids: expected.ids });
      expect(backward ? result.pageInfo.hasPreviousPage : result.pageInfo.hasNextPage).toBe(expected.more);
      if (pageIndex === 0 || page.mutations.length === 0) {
        // Nothing changed since the last page: at most 2 upstream calls per stream.
        const calls: Record<string, number> = Object.fromEntries(
          apis.map((api, index) => [STREAM_NAMES[index], api.calls.length - (callsBefore[index] ?? 0)]),
        );
        const capped = Object.fromEntries(
          Object.entries(calls).map(([name, made]) => [name, Math.min(made, 2)]),
        );
        expect({ page: pageIndex, calls }).toEqual({ page: pageIndex, calls: capped });
      }
    }
    for (const item of result.edges) shown.push(idOf(item.node));
    pages.push(result.edges.map((item) => item.node.createdAt.getTime()));
    const more = backward ? result.pageInfo.hasPreviousPage : result.pageInfo.hasNextPage;
    if (result.edges.length > 0) last = result;
    else if (result.failures.length === 0 && kind !== 'zigzag') break;
    // A page that failed entirely is asked for again with the same cursor.
    if (result.edges.length > 0 && !more && kind !== 'zigzag') break;
    if (kind === 'zigzag' && pageIndex >= schedule.length) break;
  }
  const survivors = initial.filter((id) => !world.deleted.has(id));
  // In list order: a backward walk's pages come from the end, each newest first.
  const shownMs = (kind === 'backward' ? [...pages].reverse() : pages).flat();
  return { shown, shownMs, survivors, anyFailure };
}

const scheduleArbitrary = (failures: boolean) =>
  fc.array(pageArbitrary(failures), { minLength: 1, maxLength: 25 });

describe('readCampaignPage over changing lists', () => {
  it.each<'forward' | 'backward'>(['forward', 'backward'])(
    'a %s walk to the end shows every campaign that survived once, newest first, each page exact',
    async (kind) => {
      await fc.assert(
        fc.asyncProperty(datasetArbitrary, scheduleArbitrary(false), async (rows, schedule) => {
          const { shown, shownMs, survivors } = await runWalk(rows, kind, schedule);
          expect(new Set(shown).size).toBe(shown.length);
          for (const id of survivors) expect(shown).toContain(id);
          expect(shownMs).toEqual([...shownMs].sort((a, b) => b - a));
        }),
        { numRuns: 100 },
      );
    },
  );

  // Found as bug B of test/unit/streams/cursorStream.test.ts ('after a change of direction'): after a change of direction
  // the Altur stream skips a campaign created next to the edge. Shrunk counterexample (seed -1685518656): two
  // Altur campaigns at one instant; first 2; create at head, last 1; first 2; a tie, first 1; last 1 shows
  // ALTUR:1003 instead of ALTUR:1004.
  it('a zigzag walk reads exactly the campaigns beyond its cursor on every page', async () => {
    await fc.assert(
      fc.asyncProperty(datasetArbitrary, scheduleArbitrary(false), async (rows, schedule) => {
        await runWalk(rows, 'zigzag', schedule);
      }),
      { numRuns: 100, seed: -1685518656, endOnFailure: true },
    );
  });

  it('a forward walk loses nothing and repeats nothing while streams fail on some pages', async () => {
    await fc.assert(
      fc.asyncProperty(datasetArbitrary, scheduleArbitrary(true), async (rows, schedule) => {
        const { shown, survivors } = await runWalk(rows, 'forward', schedule);
        expect(new Set(shown).size).toBe(shown.length);
        for (const id of survivors) expect(shown).toContain(id);
      }),
      { numRuns: 100, seed: 59782417, endOnFailure: true },
    );
  });
});

describe('readCampaignPage when a stream fails for a page', () => {
  /** Reads a page with the given streams failing, and returns its campaigns' ids and its end cursor. */
  function walker(rows: Campaign[]) {
    let failing: number[] = [];
    const built = setup(rows, (stream) => failing.includes(stream));
    let after: string | null = null;
    return {
      ...built,
      async first(count: number, down: number[] = []) {
        failing = down;
        const page = await readCampaignPage(built.streams, { first: count, after }, codec);
        after = page.pageInfo.endCursor ?? after;
        return { ids: page.edges.map((item) => idOf(item.node)), failed: page.failures.length };
      },
    };
  }

  it("shows the failed stream's campaigns on a later page", async () => {
    const walk = walker([
      campaign('ALTUR', '2', at(50)),
      campaign('AURALYTIK', 'u', at(40)),
      campaign('ALTUR', '1', at(30)),
    ]);
    expect(await walk.first(1, [1])).toEqual({ ids: ['ALTUR:2'], failed: 1 });
    expect(await walk.first(2)).toEqual({ ids: ['AURALYTIK:u', 'ALTUR:1'], failed: 0 });
  });

  // Found as bug D (src/campaigns/connection.ts, readCampaignPage): once the failed stream is back, the page's edge can
  // be one of ITS campaigns, newer than where the other streams stood; the cursor then puts every stream at
  // that edge, so the streams that had moved on are set back and show their campaigns again. Here no campaign
  // changes at all. Suggested fix: a stream's boundary never moves back: when the edge lies before a stream's
  // current boundary, keep that stream's boundary in ownBoundaries.
  it('shows no campaign twice after the failed stream catches up (no change to the lists)', async () => {
    // Shrunk from seed -952995331 of the failure property (without status changes).
    const walk = walker([
      campaign('ALTUR', '2', at(50)),
      campaign('AURALYTIK', 'u', at(40)),
      campaign('ALTUR', '1', at(30)),
    ]);
    expect(await walk.first(1, [0])).toEqual({ ids: ['AURALYTIK:u'], failed: 1 });
    expect(await walk.first(1)).toEqual({ ids: ['ALTUR:2'], failed: 0 });
    // Actual: ['AURALYTIK:u'] again (the Auralytik stream was set back to ALTUR:2's key).
    expect(await walk.first(1)).toEqual({ ids: ['ALTUR:1'], failed: 0 });
  });

  // Found as bug C (src/campaigns/connection.ts): a failed stream keeps its own boundary, but a campaign it has not shown
  // yet can move (a status change) to another stream of the same filter that already stands past it; neither
  // stream shows it. It existed and matched the filter for the whole walk. Shrunk from seed 59782417.
  it('loses no campaign that moves out of a failed stream', async () => {
    const walk = walker([campaign('ALTUR', '1', at(0)), campaign('AURALYTIK', 'u', at(1), 'RUNNING')]);
    expect(await walk.first(1, [1])).toEqual({ ids: ['ALTUR:1'], failed: 1 });
    walk.store.setStatus('AURALYTIK', 'u', 'PAUSED');
    // Actual: [] (the PAUSED stream stands at ALTUR:1, after u; the RUNNING stream no longer lists it).
    expect(await walk.first(1)).toEqual({ ids: ['AURALYTIK:u'], failed: 0 });
  });
});

describe('readCampaignPage with providers whose cursors are large', () => {
  it('issues cursors within the bound a client may send back, and pages on from them exactly', async () => {
    // Six cursor streams (one status each) whose upstream cursors are 900 characters: their hints alone
    // would make a 5 kB cursor.
    const statuses: CampaignStatus[] = ['RUNNING', 'PAUSED', 'PENDING', 'READY', 'COMPLETED', 'COOLDOWN'];
    const dataset = Array.from({ length: 1200 }, (_, index) =>
      campaign('ALTUR', String(1000 + index), at(index), statuses[index % statuses.length]),
    );
    const store = new FakeStore(dataset);
    const streams = statuses.map(
      (status) =>
        new CursorStream({
          key: `ALTUR ${status}`,
          provider: 'ALTUR',
          idOrder: TIE_ORDER.ALTUR,
          fetchPage: new FakeCursorApi(store, 'ALTUR', {
            matches: (item) => item.status === status,
            cursorPadding: 900,
          }).fetchPage,
        }),
    );
    const shown: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 40; page++) {
      const result: CampaignPage = await readCampaignPage(streams, { first: 60, after }, codec);
      expect(result.failures).toEqual([]);
      for (const edge of result.edges) expect(edge.cursor.length).toBeLessThanOrEqual(MAX_CURSOR_LENGTH);
      shown.push(...result.edges.map((edge) => edge.node.providerId));
      const last = result.edges[result.edges.length - 1];
      if (last === undefined || !result.pageInfo.hasNextPage) break;
      after = last.cursor;
    }
    expect(shown).toEqual(store.all().map((item) => item.providerId));
  });
});
