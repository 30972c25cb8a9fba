import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Campaign } from '../../../src/domain/campaign.js';
import { KeysetTrust, PageNumberedStream } from '../../../src/streams/pageNumberedStream.js';
import {
  at,
  CachingPageApi,
  campaign,
  FakePageApi,
  FakeStore,
  type PageSeen,
  StreamWalker,
  TIE_ORDER,
} from './fakes.js';
import { applyChange, changeArbitrary, walkProperty } from './walkProperty.js';

const A = 'AURALYTIK';

/** `[id, seconds]` pairs: Auralytik campaigns, listed newest first and, at a tie, by id descending. */
const data = (...rows: [string, number][]): Campaign[] =>
  rows.map(([id, seconds]) => campaign(A, id, at(seconds)));

const SEVEN = data(['g', 70], ['f', 60], ['e', 50], ['d', 40], ['c', 30], ['b', 20], ['a', 10]);
/** Five campaigns created in the same second, between h and a. */
const TIES = data(['h', 90], ['v', 50], ['w', 50], ['x', 50], ['y', 50], ['z', 50], ['a', 10]);

/** Ten campaigns newer than any in SEVEN: more than one widening of a small page's window can absorb. */
const TEN_AT_HEAD = Array.from({ length: 10 }, (_, index): [string, number] => [`n${index}`, 80 + index]);

type Change = (store: FakeStore) => void;
const add =
  (...rows: [string, number][]): Change =>
  (store) => {
    for (const item of data(...rows)) store.add(item);
  };
const remove =
  (...ids: string[]): Change =>
  (store) => {
    for (const id of ids) store.delete(A, id);
  };
const clear: Change = (store) => {
  for (const item of store.all()) store.delete(item.provider, item.providerId);
};

type Op = 'first' | 'last' | 'next' | 'previous';
/** [operation, count, change made just before it (null: none), what the page shows] */
type Step = [Op, number, Change | null, PageSeen];
type KeysetMode = 'trusted' | 'broken' | 'none';

/** A page: its ids, whether more lie beyond it in the read's direction, the total, the upstream calls made. */
const seen = (ids: string[], more: boolean, total: number, calls: number): PageSeen => ({
  ids,
  more,
  total,
  calls,
});

function setup(dataset: readonly Campaign[], mode: KeysetMode) {
  const store = new FakeStore(dataset);
  const api = new FakePageApi(store, A);
  api.breakBounds = mode === 'broken';
  const trust = mode === 'none' ? null : new KeysetTrust();
  const stream = new PageNumberedStream({
    key: 'AURALYTIK {}',
    provider: A,
    idOrder: TIE_ORDER.AURALYTIK,
    fetchPage: api.fetchPage,
    keyset: trust,
  });
  return { store, api, trust, stream, walker: new StreamWalker(stream, api) };
}

async function walk(dataset: readonly Campaign[], steps: readonly Step[], mode: KeysetMode = 'trusted') {
  const { store, walker, trust } = setup(dataset, mode);
  const pages: PageSeen[] = [];
  for (const [op, count, change] of steps) {
    change?.(store);
    pages.push(await walker[op](count));
  }
  return { pages, trusted: trust?.trusted ?? null };
}

describe('PageNumberedStream walks', () => {
  it.each<[string, readonly Campaign[], Step[]]>([
    [
      'forward, nothing changes',
      SEVEN,
      [
        ['first', 3, null, seen(['g', 'f', 'e'], true, 7, 1)],
        ['next', 3, null, seen(['d', 'c', 'b'], true, 7, 1)],
        ['next', 3, null, seen(['a'], false, 7, 1)],
      ],
    ],
    [
      'backward, nothing changes (the end costs a probe for the total)',
      SEVEN,
      [
        ['last', 3, null, seen(['c', 'b', 'a'], true, 7, 2)],
        ['previous', 3, null, seen(['f', 'e', 'd'], true, 7, 1)],
        ['previous', 3, null, seen(['g'], false, 7, 1)],
      ],
    ],
    [
      'zigzag, nothing changes',
      SEVEN,
      [
        ['first', 2, null, seen(['g', 'f'], true, 7, 1)],
        ['next', 3, null, seen(['e', 'd', 'c'], true, 7, 1)],
        ['previous', 2, null, seen(['g', 'f'], false, 7, 1)],
        ['next', 4, null, seen(['e', 'd', 'c', 'b'], true, 7, 1)],
        ['next', 4, null, seen(['a'], false, 7, 1)],
      ],
    ],
    [
      'forward through a tie at one createdAt',
      TIES,
      [
        ['first', 2, null, seen(['h', 'z'], true, 7, 1)],
        ['next', 2, null, seen(['y', 'x'], true, 7, 1)],
        ['next', 2, null, seen(['w', 'v'], true, 7, 1)],
        ['next', 2, null, seen(['a'], false, 7, 1)],
      ],
    ],
    [
      'backward through a tie at one createdAt',
      TIES,
      [
        ['last', 2, null, seen(['v', 'a'], true, 7, 2)],
        ['previous', 2, null, seen(['x', 'w'], true, 7, 1)],
        ['previous', 2, null, seen(['z', 'y'], true, 7, 1)],
        ['previous', 2, null, seen(['h'], false, 7, 1)],
      ],
    ],
    [
      'forward, a tie half shown when one of it is deleted and one created in it',
      TIES,
      [
        ['first', 3, null, seen(['h', 'z', 'y'], true, 7, 1)],
        // yy lands above the boundary (not shown in this walk), wa below it.
        [
          'next',
          2,
          (store) => [remove('z')(store), add(['yy', 50], ['wa', 50])(store)],
          seen(['x', 'wa'], true, 8, 1),
        ],
        ['next', 9, null, seen(['w', 'v', 'a'], false, 8, 1)],
      ],
    ],
    [
      'forward, the last campaign shown is deleted',
      SEVEN,
      [
        ['first', 3, null, seen(['g', 'f', 'e'], true, 7, 1)],
        ['next', 3, remove('e'), seen(['d', 'c', 'b'], true, 6, 2)],
        ['next', 3, null, seen(['a'], false, 6, 1)],
      ],
    ],
    [
      'backward, the last campaign shown is deleted',
      SEVEN,
      [
        ['last', 3, null, seen(['c', 'b', 'a'], true, 7, 2)],
        ['previous', 3, remove('c'), seen(['f', 'e', 'd'], true, 6, 1)],
        ['previous', 3, null, seen(['g'], false, 6, 1)],
      ],
    ],
    [
      "forward, the next page's whole window is deleted",
      SEVEN,
      [
        ['first', 2, null, seen(['g', 'f'], true, 7, 1)],
        ['next', 2, remove('e', 'd'), seen(['c', 'b'], true, 5, 1)],
        ['next', 2, null, seen(['a'], false, 5, 1)],
      ],
    ],
    [
      'forward, the last shown and the whole next window are deleted',
      SEVEN,
      [
        ['first', 2, null, seen(['g', 'f'], true, 7, 1)],
        ['next', 2, remove('f', 'e', 'd'), seen(['c', 'b'], true, 4, 2)],
        ['next', 2, null, seen(['a'], false, 4, 1)],
      ],
    ],
    [
      "backward, the previous page's whole window is deleted",
      SEVEN,
      [
        ['last', 2, null, seen(['b', 'a'], true, 7, 2)],
        ['previous', 2, remove('d', 'c', 'b'), seen(['f', 'e'], true, 4, 2)],
        ['previous', 2, null, seen(['g'], false, 4, 1)],
      ],
    ],
    [
      'forward, one campaign created at the head between pages',
      SEVEN,
      [
        ['first', 3, null, seen(['g', 'f', 'e'], true, 7, 1)],
        ['next', 3, add(['n', 80]), seen(['d', 'c', 'b'], true, 8, 2)],
        ['next', 3, null, seen(['a'], false, 8, 1)],
      ],
    ],
    [
      'forward, more campaigns created at the head than the window can absorb',
      SEVEN,
      [
        ['first', 3, null, seen(['g', 'f', 'e'], true, 7, 1)],
        [
          'next',
          3,
          add(['n1', 80], ['n2', 90], ['n3', 100], ['n4', 110]),
          seen(['d', 'c', 'b'], true, 11, 2),
        ],
        ['next', 3, null, seen(['a'], false, 11, 1)],
      ],
    ],
    [
      'backward, a campaign created at the head is reached',
      SEVEN,
      [
        ['last', 3, null, seen(['c', 'b', 'a'], true, 7, 2)],
        ['previous', 3, add(['n', 80]), seen(['f', 'e', 'd'], true, 8, 2)],
        ['previous', 3, null, seen(['n', 'g'], false, 8, 1)],
      ],
    ],
    [
      'forward, the list shrinks to empty',
      SEVEN,
      [
        ['first', 3, null, seen(['g', 'f', 'e'], true, 7, 1)],
        ['next', 3, clear, seen([], false, 0, 2)],
      ],
    ],
    [
      'backward, the list shrinks to empty',
      SEVEN,
      [
        ['last', 3, null, seen(['c', 'b', 'a'], true, 7, 2)],
        ['previous', 3, clear, seen([], false, 0, 1)],
      ],
    ],
    [
      'forward, the first page changes under the walk',
      SEVEN,
      [
        ['first', 3, null, seen(['g', 'f', 'e'], true, 7, 1)],
        [
          'next',
          3,
          (store) => [remove('g', 'f')(store), add(['n', 80])(store)],
          seen(['d', 'c', 'b'], true, 6, 2),
        ],
        ['next', 3, null, seen(['a'], false, 6, 1)],
      ],
    ],
    [
      'a first page read again after it changed',
      SEVEN,
      [
        ['first', 3, null, seen(['g', 'f', 'e'], true, 7, 1)],
        [
          'first',
          3,
          (store) => [remove('f')(store), add(['n', 80])(store)],
          seen(['n', 'g', 'e'], true, 7, 1),
        ],
        ['next', 3, null, seen(['d', 'c', 'b'], true, 7, 1)],
      ],
    ],
  ])('%s', async (_name, dataset, steps) => {
    const { pages, trusted } = await walk(dataset, steps);
    expect(pages).toEqual(steps.map((step) => step[3]));
    expect(trusted).toBe(true);
  });
});

describe('PageNumberedStream when the keyset bound cannot be used', () => {
  it.each<[string, KeysetMode, Step[], boolean | null]>([
    [
      'a provider that ignores the bound: noticed, and the walk goes on by scanning offsets',
      'broken',
      [
        ['first', 3, null, seen(['g', 'f', 'e'], true, 7, 1)],
        ['next', 3, add(...TEN_AT_HEAD), seen(['d', 'c', 'b'], true, 17, 4)],
        ['next', 3, null, seen(['a'], false, 17, 1)],
      ],
      false,
    ],
    [
      'a provider that ignores the bound, backward',
      'broken',
      [
        ['last', 3, null, seen(['c', 'b', 'a'], true, 7, 2)],
        ['previous', 3, add(...TEN_AT_HEAD), seen(['f', 'e', 'd'], true, 17, 5)],
        ['previous', 3, null, seen(['n1', 'n0', 'g'], true, 17, 1)],
      ],
      false,
    ],
    [
      'a provider that keeps the bound: a keyset read at once',
      'trusted',
      [
        ['first', 3, null, seen(['g', 'f', 'e'], true, 7, 1)],
        ['next', 3, add(...TEN_AT_HEAD), seen(['d', 'c', 'b'], true, 17, 2)],
        ['next', 3, null, seen(['a'], false, 17, 1)],
      ],
      true,
    ],
    [
      'a provider without bounds: widening offset scans',
      'none',
      [
        ['first', 3, null, seen(['g', 'f', 'e'], true, 7, 1)],
        ['next', 3, add(...TEN_AT_HEAD), seen(['d', 'c', 'b'], true, 17, 3)],
        ['next', 3, null, seen(['a'], false, 17, 1)],
      ],
      null,
    ],
  ])('%s', async (_name, mode, steps, trustedAfter) => {
    const { pages, trusted } = await walk(SEVEN, steps, mode);
    expect(pages).toEqual(steps.map((step) => step[3]));
    expect(trusted).toBe(trustedAfter);
  });

  it('stops trusting the bound for every stream that shares the KeysetTrust', async () => {
    const { store, api, trust, walker } = setup(SEVEN, 'broken');
    await walker.first(3);
    add(...TEN_AT_HEAD)(store);
    await walker.next(3);
    expect(trust?.trusted).toBe(false);
    expect(api.calls.filter((call) => call.createdAtMost !== undefined)).toHaveLength(1);
    // Later relocations never ask for a bound again.
    add(['n', 80])(store);
    remove('d')(store);
    await walker.next(3);
    expect(api.calls.filter((call) => call.createdAtMost !== undefined)).toHaveLength(1);
  });
});

describe('PageNumberedStream properties', () => {
  it.each<KeysetMode>(['trusted', 'broken', 'none'])(
    'reads exactly what lies beyond the boundary, however the list changed between pages (keyset %s)',
    async (mode) => {
      await fc.assert(
        walkProperty(
          'zigzag',
          'any',
          A,
          (index) => `c${index}`,
          (dataset) => setup(dataset, mode),
        ),
        { numRuns: 150 },
      );
    },
  );
});

/** A stream over `dataset` behind a cache keeping answers for `ttl` upstream calls, reading shared pages. */
function cachedSetup(dataset: readonly Campaign[], ttl: number, pageSize: number, running = false) {
  const store = new FakeStore(dataset);
  const api = new FakePageApi(store, A, running ? { matches: (item) => item.status === 'RUNNING' } : {});
  const cached = new CachingPageApi(api, ttl);
  const stream = new PageNumberedStream({
    key: 'AURALYTIK {}',
    provider: A,
    idOrder: TIE_ORDER.AURALYTIK,
    fetchPage: cached.fetchPage,
    keyset: new KeysetTrust(),
    alignedPageSize: pageSize,
  });
  return { store, api, walker: new StreamWalker(stream, cached) };
}

/** Pages `walker` to the end of its list, `count` at a time, making `change(page)` before each next page. */
async function walkToEnd(
  walker: StreamWalker,
  direction: 'forward' | 'backward',
  count: number,
  change: (page: number) => void,
): Promise<string[]> {
  const shown: string[] = [];
  let page = direction === 'forward' ? await walker.first(count) : await walker.last(count);
  for (let index = 1; page.ids.length > 0; index++) {
    shown.push(...(direction === 'forward' ? page.ids : [...page.ids].reverse()));
    if (!page.more || index > 200) break;
    change(index);
    page = direction === 'forward' ? await walker.next(count) : await walker.previous(count);
  }
  return shown;
}

describe('PageNumberedStream when a window is read from pages of different ages', () => {
  it('loses no campaign at the seam of two pages when a change above it keeps the total', async () => {
    // Twelve RUNNING campaigns r01..r12 and a paused p below them; the walk lists RUNNING ones. Between the
    // first and second page r11 leaves the filter above the seam and p enters it below: same total.
    const rows = Array.from({ length: 12 }, (_, index) =>
      campaign(A, `r${String(index + 1).padStart(2, '0')}`, at(10 * (index + 1))),
    );
    const { store, walker } = cachedSetup([...rows, campaign(A, 'p', at(5), 'PAUSED')], 100, 5, true);
    const shown = await walkToEnd(walker, 'forward', 3, (page) => {
      if (page !== 1) return;
      store.setStatus(A, 'r11', 'PAUSED');
      store.setStatus(A, 'p', 'RUNNING');
    });
    expect(shown.filter((id) => id !== 'r11')).toEqual([
      'r12',
      'r10',
      'r09',
      'r08',
      'r07',
      'r06',
      'r05',
      'r04',
      'r03',
      'r02',
      'r01',
      'p',
    ]);
  });

  it('reads far enough back past more ties at the boundary than its margin', async () => {
    const ties = Array.from({ length: 7 }, (_, index) => campaign(A, `t${index + 1}`, at(50)));
    const { store, walker } = setup([campaign(A, 'h', at(90)), ...ties, campaign(A, 'a', at(10))], 'trusted');
    expect((await walker.last(8)).ids).toEqual(['t7', 't6', 't5', 't4', 't3', 't2', 't1', 'a']);
    for (let index = 0; index < 20; index++) store.add(campaign(A, `n${index}`, at(100 + index)));
    expect(await walker.previous(1)).toEqual(seen(['h'], true, 29, 3));
  });

  it.each<'forward' | 'backward'>(['forward', 'backward'])(
    'a %s walk shows every campaign that survived it once, however old each page it reads is',
    async (direction) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 60 }),
          fc.integer({ min: 1, max: 8 }),
          fc.constantFrom(3, 5, 10),
          fc.integer({ min: 1, max: 12 }),
          fc.array(fc.array(changeArbitrary, { maxLength: 3 }), { maxLength: 30 }),
          async (seconds, ttl, pageSize, count, changes) => {
            const dataset = seconds.map((second, index) => campaign(A, `c${index}`, at(second)));
            const { store, walker } = cachedSetup(dataset, ttl, pageSize);
            let fresh = dataset.length;
            const deleted = new Set<string>();
            const shown = await walkToEnd(walker, direction, count, (page) => {
              for (const change of changes[page - 1] ?? []) {
                const before = new Set(store.all().map((item) => item.providerId));
                applyChange(store, A, change, () => `c${fresh++}`);
                const after = new Set(store.all().map((item) => item.providerId));
                for (const id of before) if (!after.has(id)) deleted.add(id);
              }
            });
            expect(new Set(shown).size).toBe(shown.length);
            for (const item of dataset)
              if (!deleted.has(item.providerId)) expect(shown).toContain(item.providerId);
          },
        ),
        { numRuns: 200 },
      );
    },
  );
});

describe('PageNumberedStream and skipped items', () => {
  it('hands over the skipped items of the pages a read fetched, with that read only', async () => {
    const store = new FakeStore(SEVEN);
    const api = new FakePageApi(store, A);
    const issue = { provider: A, providerId: 'x', field: 'name', message: 'missing' };
    const stream = new PageNumberedStream({
      key: 'AURALYTIK {}',
      provider: A,
      idOrder: TIE_ORDER.AURALYTIK,
      fetchPage: async (call) => ({ ...(await api.fetchPage(call)), issues: call.page === 1 ? [issue] : [] }),
      keyset: null,
    });
    const first = await stream.read({
      boundary: null,
      hint: stream.start,
      count: 3,
      direction: 'forward',
      knownTotal: null,
    });
    expect(first.issues).toEqual([issue]);
    const again = await stream.read({
      boundary: null,
      hint: stream.end,
      count: 1,
      direction: 'backward',
      knownTotal: 7,
    });
    expect(again.items.map((item) => item.providerId)).toEqual(['a']);
    expect(again.issues).toEqual([]);
  });
});
