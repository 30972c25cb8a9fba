import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Campaign } from '../../../src/domain/campaign.js';
import { CursorStream } from '../../../src/streams/cursorStream.js';
import { at, campaign, FakeCursorApi, FakeStore, type PageSeen, StreamWalker, TIE_ORDER } from './fakes.js';
import { walkProperty } from './walkProperty.js';

const A = 'ALTUR';

/** `[id, seconds]` pairs: Altur campaigns, listed newest first and, at a tie, by decimal id descending. */
const data = (...rows: [string, number][]): Campaign[] =>
  rows.map(([id, seconds]) => campaign(A, id, at(seconds)));

const SEVEN = data(['7', 70], ['6', 60], ['5', 50], ['4', 40], ['3', 30], ['2', 20], ['1', 10]);
/** Five campaigns created in the same second; 9 sorts after 11 by decimal id. */
const TIES = data(['90', 90], ['15', 50], ['14', 50], ['11', 50], ['10', 50], ['9', 50], ['1', 10]);

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
const both =
  (...changes: Change[]): Change =>
  (store) => {
    for (const change of changes) change(store);
  };

type Op = 'first' | 'last' | 'next' | 'previous';
/** [operation, count, change made just before it (null: none), what the page shows, edge paged from] */
type Step = [Op, number, Change | null, PageSeen] | [Op, number, Change | null, PageSeen, number];

/** A page: its ids, whether more lie beyond it in the read's direction, the total, the upstream calls made. */
const seen = (ids: string[], more: boolean, total: number, calls: number): PageSeen => ({
  ids,
  more,
  total,
  calls,
});

function setup(dataset: readonly Campaign[]) {
  const store = new FakeStore(dataset);
  const api = new FakeCursorApi(store, A);
  const stream = new CursorStream({
    key: 'ALTUR {}',
    provider: A,
    idOrder: TIE_ORDER.ALTUR,
    fetchPage: api.fetchPage,
  });
  return { store, api, stream, walker: new StreamWalker(stream, api) };
}

async function walk(dataset: readonly Campaign[], steps: readonly Step[]) {
  const { store, walker } = setup(dataset);
  const pages: PageSeen[] = [];
  for (const [op, count, change, _expected, edge] of steps) {
    change?.(store);
    if (op === 'next' || op === 'previous') pages.push(await walker[op](count, edge));
    else pages.push(await walker[op](count));
  }
  return pages;
}

describe('CursorStream walks', () => {
  it.each<[string, readonly Campaign[], Step[]]>([
    [
      'forward, nothing changes',
      SEVEN,
      [
        ['first', 3, null, seen(['7', '6', '5'], true, 7, 1)],
        ['next', 3, null, seen(['4', '3', '2'], true, 7, 1)],
        ['next', 3, null, seen(['1'], false, 7, 1)],
      ],
    ],
    [
      'backward, nothing changes (the total is only on the first page: one more call at the end)',
      SEVEN,
      [
        ['last', 3, null, seen(['3', '2', '1'], true, 7, 2)],
        ['previous', 3, null, seen(['6', '5', '4'], true, 7, 1)],
        ['previous', 3, null, seen(['7'], false, 7, 1)],
      ],
    ],
    [
      'zigzag, nothing changes',
      SEVEN,
      [
        ['first', 2, null, seen(['7', '6'], true, 7, 1)],
        ['next', 3, null, seen(['5', '4', '3'], true, 7, 1)],
        ['previous', 2, null, seen(['7', '6'], false, 7, 1)],
        ['next', 4, null, seen(['5', '4', '3', '2'], true, 7, 1)],
        ['next', 4, null, seen(['1'], false, 7, 1)],
      ],
    ],
    [
      'forward from an edge inside the page (a skip from the start)',
      SEVEN,
      [
        ['first', 3, null, seen(['7', '6', '5'], true, 7, 1)],
        ['next', 3, null, seen(['5', '4', '3'], true, 7, 1), 1],
      ],
    ],
    [
      'forward through a tie at one createdAt',
      TIES,
      [
        ['first', 2, null, seen(['90', '15'], true, 7, 1)],
        ['next', 2, null, seen(['14', '11'], true, 7, 1)],
        ['next', 2, null, seen(['10', '9'], true, 7, 1)],
        ['next', 2, null, seen(['1'], false, 7, 1)],
      ],
    ],
    [
      'backward through a tie at one createdAt',
      TIES,
      [
        ['last', 2, null, seen(['9', '1'], true, 7, 2)],
        ['previous', 2, null, seen(['11', '10'], true, 7, 1)],
        ['previous', 2, null, seen(['15', '14'], true, 7, 1)],
        ['previous', 2, null, seen(['90'], false, 7, 1)],
      ],
    ],
    [
      'forward, a tie half shown when one of it is deleted and two created in it',
      TIES,
      [
        ['first', 3, null, seen(['90', '15', '14'], true, 7, 1)],
        // 16 lands above the boundary (not shown in this walk), 12 below it.
        ['next', 2, both(remove('15'), add(['16', 50], ['12', 50])), seen(['12', '11'], true, 7, 1)],
        ['next', 9, null, seen(['10', '9', '1'], false, 7, 1)],
      ],
    ],
    [
      'forward, the last campaign shown is deleted',
      SEVEN,
      [
        ['first', 3, null, seen(['7', '6', '5'], true, 7, 1)],
        ['next', 3, remove('5'), seen(['4', '3', '2'], true, 7, 1)],
        ['next', 3, null, seen(['1'], false, 7, 1)],
      ],
    ],
    [
      'backward, the last campaign shown is deleted',
      SEVEN,
      [
        ['last', 3, null, seen(['3', '2', '1'], true, 7, 2)],
        ['previous', 3, remove('3'), seen(['6', '5', '4'], true, 7, 1)],
        ['previous', 3, null, seen(['7'], false, 7, 1)],
      ],
    ],
    [
      "forward, the next page's whole window is deleted",
      SEVEN,
      [
        ['first', 2, null, seen(['7', '6'], true, 7, 1)],
        ['next', 2, remove('6', '5', '4'), seen(['3', '2'], true, 7, 1)],
        ['next', 2, null, seen(['1'], false, 7, 1)],
      ],
    ],
    [
      "backward, the previous page's whole window is deleted",
      SEVEN,
      [
        ['last', 2, null, seen(['2', '1'], true, 7, 2)],
        ['previous', 2, remove('4', '3', '2'), seen(['6', '5'], true, 7, 1)],
        ['previous', 2, null, seen(['7'], false, 7, 1)],
      ],
    ],
    [
      'forward, campaigns created at the head between pages are not repeated',
      SEVEN,
      [
        ['first', 3, null, seen(['7', '6', '5'], true, 7, 1)],
        ['next', 3, add(['8', 80], ['9', 90], ['10', 100]), seen(['4', '3', '2'], true, 7, 1)],
        ['next', 3, null, seen(['1'], false, 7, 1)],
      ],
    ],
    [
      'backward, a campaign created at the head is reached',
      SEVEN,
      [
        ['last', 3, null, seen(['3', '2', '1'], true, 7, 2)],
        ['previous', 3, add(['8', 80]), seen(['6', '5', '4'], true, 7, 1)],
        ['previous', 3, null, seen(['8', '7'], false, 7, 1)],
      ],
    ],
    [
      'forward, the list shrinks to empty (the total is the one carried from the first page)',
      SEVEN,
      [
        ['first', 3, null, seen(['7', '6', '5'], true, 7, 1)],
        ['next', 3, clear, seen([], false, 7, 1)],
      ],
    ],
    [
      'backward, the list shrinks to empty',
      SEVEN,
      [
        ['last', 3, null, seen(['3', '2', '1'], true, 7, 2)],
        ['previous', 3, clear, seen([], false, 7, 1)],
      ],
    ],
    [
      'forward from inside the first page after it changed: the skip from the start is only a hint',
      SEVEN,
      [
        ['first', 3, null, seen(['7', '6', '5'], true, 7, 1)],
        ['next', 3, both(remove('7'), add(['8', 80], ['9', 90])), seen(['5', '4', '3'], true, 8, 2), 1],
        ['next', 3, null, seen(['2', '1'], false, 8, 1)],
      ],
    ],
    [
      'forward from inside the first page after campaigns above the edge were deleted',
      SEVEN,
      [
        ['first', 4, null, seen(['7', '6', '5', '4'], true, 7, 1)],
        ['next', 2, remove('7', '6'), seen(['4', '3'], true, 5, 1), 2],
      ],
    ],
  ])('%s', async (_name, dataset, steps) => {
    const pages = await walk(dataset, steps);
    expect(pages).toEqual(steps.map((step) => step[3]));
  });
});

describe('CursorStream properties', () => {
  const makeId = (index: number) => `${index + 1}`;

  it('one-way walks from the last edge read exactly what lies beyond the boundary', async () => {
    await fc.assert(walkProperty('one-way', 'last', A, makeId, setup), { numRuns: 200 });
  });

  it('one-way walks from any edge read exactly what lies beyond the boundary', async () => {
    await fc.assert(walkProperty('one-way', 'any', A, makeId, setup), {
      numRuns: 200,
      seed: 2,
      endOnFailure: true,
    });
  });

  it('zigzag walks read exactly what lies beyond the boundary', async () => {
    await fc.assert(walkProperty('zigzag', 'any', A, makeId, setup), {
      numRuns: 200,
      seed: 5,
      endOnFailure: true,
    });
  });
});

describe('CursorStream, a skip from the start after campaigns were created at the head', () => {
  // Found as bug A (src/streams/cursorStream.ts, `walk`): the edge inside a first page has the hint (start, k). When
  // more campaigns were created at the head than the first call (k + count) covers, `walk` follows with pages
  // of `count - found` campaigns (1 here) and, after MAX_CALLS (5) calls, returns what it found, here nothing,
  // with moreAfter true: no error, no items. In the connection the other streams then move the walk past this
  // stream's unread campaigns, which are never shown. Suggested fix: follow-up pages of MAX_PAGE (as
  // `walkToward` does), and throw (like the page-numbered stream's "changed faster" error) rather than return
  // a short read when the call budget runs out.
  it('finds the campaign after the edge however many were created above it', async () => {
    // fast-check seed 2, shrunk: [[0, 0], true, 2, [next 1 from edge 0 / createAtHead 5]]
    const { store, walker } = setup(data(['2', 0], ['1', 0]));
    expect((await walker.first(2)).ids).toEqual(['2', '1']);
    add(['3', 1], ['4', 2], ['5', 3], ['6', 4], ['7', 5])(store);
    // Actual: { ids: [], more: true } after 5 calls.
    expect(await walker.next(1, 0)).toMatchObject({ ids: ['1'] });
  });
});

describe('CursorStream after a change of direction', () => {
  // Found as bug B (src/streams/cursorStream.ts): the hint just after a page's last campaign may be `(anchor, 0)` where
  // the anchor is the cursor the page was read FROM (a `previous` call from "before 3" here), keyed on the
  // campaign beyond the page, not on the edge's own. A later read away from that anchor takes it as the
  // position and trusts everything after it, so a campaign created (or moved in by a status change, under a
  // status filter) between the edge and that campaign is never returned: the read breaks StreamRead's
  // contract (the first `count` campaigns beyond the boundary). The page-numbered stream proves the same
  // thing by fetching one campaign on the near side of the position. Suggested fix: when reading away from an
  // anchor, start one campaign earlier and accept the read only once a campaign not beyond the boundary is
  // seen before the first one that is (or key the hint on the edge's own cursor where the provider gave one).
  it('forward after a backward first page: a campaign created just after the edge is returned', async () => {
    // fast-check seed 5, shrunk: [[0], false, 1, [next 1 / createAtTail 2, next 1 / tie with '3', next 1]]
    const { store, walker } = setup(data(['1', 0]));
    expect((await walker.last(1)).ids).toEqual(['1']);
    add(['2', -1], ['3', -2])(store);
    // Read back toward the position from the list's end: [3] from the end, then [1, 2] from "before 3".
    expect((await walker.next(1)).ids).toEqual(['2']);
    // '4' ties with '3' and sorts before it: it lies between '2' and '3'.
    add(['4', -2])(store);
    expect(store.all().map((item) => item.providerId)).toEqual(['1', '2', '4', '3']);
    // Actual: ['3'] (read on from the cursor "before 3", skipping '4').
    expect((await walker.next(1)).ids).toEqual(['4']);
  });
});
