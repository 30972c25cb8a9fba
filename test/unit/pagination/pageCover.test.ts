import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  coverWindow,
  overlappingCover,
  type PageCall,
  type PageCover,
} from '../../../src/pagination/pageCover.js';

const firstItem = (call: PageCall) => (call.page - 1) * call.pageSize;
const fetched = (calls: readonly PageCall[]) => calls.reduce((sum, call) => sum + call.pageSize, 0);

/** Every single call that covers the window, for checking the search against the definition. */
function singleCalls(offset: number, count: number, max: number): PageCall[] {
  const calls: PageCall[] = [];
  for (let pageSize = 1; pageSize <= max; pageSize++) {
    for (let page = 1; (page - 1) * pageSize <= offset; page++) {
      if (page * pageSize >= offset + count) calls.push({ page, pageSize });
    }
  }
  return calls;
}

/** Every pair of back-to-back calls that covers the window. */
function callPairs(offset: number, count: number, max: number): [PageCall, PageCall][] {
  const pairs: [PageCall, PageCall][] = [];
  for (const first of singleCalls(offset, 1, max)) {
    const boundary = first.page * first.pageSize;
    for (let pageSize = 1; pageSize <= max; pageSize++) {
      if (boundary % pageSize === 0 && boundary + pageSize >= offset + count) {
        pairs.push([first, { page: boundary / pageSize + 1, pageSize }]);
      }
    }
  }
  return pairs;
}

/** Fewest calls, then fewest items, over every chain of back-to-back calls (small numbers only). */
function cheapestChain(offset: number, count: number, max: number): { calls: number; fetched: number } {
  const end = offset + count;
  let best = { calls: Number.POSITIVE_INFINITY, fetched: Number.POSITIVE_INFINITY };
  const extend = (start: number, from: number, calls: number) => {
    if (calls > best.calls) return;
    for (let pageSize = 1; pageSize <= max; pageSize++) {
      if (start % pageSize !== 0) continue;
      const next = start + pageSize;
      if (next >= end) {
        const candidate = { calls: calls + 1, fetched: next - from };
        if (
          candidate.calls < best.calls ||
          (candidate.calls === best.calls && candidate.fetched < best.fetched)
        ) {
          best = candidate;
        }
      } else if (next > offset) {
        extend(next, from, calls + 1);
      }
    }
  };
  for (let start = Math.max(0, offset - max + 1); start <= offset; start++) extend(start, start, 0);
  return best;
}

function expectExactCover(cover: PageCover, offset: number, count: number, max: number): void {
  if (count === 0) {
    expect(cover).toEqual({ calls: [], firstItemOffset: offset });
    return;
  }
  let next = cover.firstItemOffset;
  expect(next).toBeLessThanOrEqual(offset);
  for (const call of cover.calls) {
    expect(Number.isInteger(call.page) && call.page >= 1).toBe(true);
    expect(Number.isInteger(call.pageSize) && call.pageSize >= 1 && call.pageSize <= max).toBe(true);
    expect(firstItem(call)).toBe(next);
    next += call.pageSize;
  }
  expect(next).toBeGreaterThanOrEqual(offset + count);
}

describe('coverWindow', () => {
  it.each<[number, number, number, PageCover]>([
    [0, 0, 100, { calls: [], firstItemOffset: 0 }],
    [30, 0, 100, { calls: [], firstItemOffset: 30 }],
    [0, 25, 100, { calls: [{ page: 1, pageSize: 25 }], firstItemOffset: 0 }],
    [25, 25, 100, { calls: [{ page: 2, pageSize: 25 }], firstItemOffset: 25 }],
    [30, 25, 100, { calls: [{ page: 2, pageSize: 28 }], firstItemOffset: 28 }],
    [99, 2, 100, { calls: [{ page: 34, pageSize: 3 }], firstItemOffset: 99 }],
    [0, 100, 100, { calls: [{ page: 1, pageSize: 100 }], firstItemOffset: 0 }],
    [5, 3, 4, { calls: [{ page: 2, pageSize: 4 }], firstItemOffset: 4 }],
    [
      97,
      100,
      100,
      {
        calls: [
          { page: 33, pageSize: 3 },
          { page: 2, pageSize: 99 },
        ],
        firstItemOffset: 96,
      },
    ],
    [
      150,
      250,
      100,
      {
        calls: [
          { page: 4, pageSize: 50 },
          { page: 3, pageSize: 100 },
          { page: 4, pageSize: 100 },
        ],
        firstItemOffset: 150,
      },
    ],
  ])('offset %i, count %i, max %i', (offset, count, max, expected) => {
    expect(coverWindow(offset, count, max)).toEqual(expected);
  });

  it('defaults the maximum page size to 100', () => {
    expect(coverWindow(0, 100)).toEqual({ calls: [{ page: 1, pageSize: 100 }], firstItemOffset: 0 });
    expect(coverWindow(1, 100).calls).toHaveLength(2);
  });

  it.each<[number, number, number]>([
    [-1, 1, 100],
    [0, -1, 100],
    [0.5, 1, 100],
    [0, 1, 0],
    [Number.NaN, 1, 100],
  ])('refuses offset %d, count %d, max %d', (offset, count, max) => {
    expect(() => coverWindow(offset, count, max)).toThrow(RangeError);
  });
});

describe('coverWindow properties', () => {
  const window = fc
    .integer({ min: 1, max: 100 })
    .chain((max) =>
      fc.tuple(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: max }), fc.constant(max)),
    );

  it('covers exactly the window, back to back, with at most two calls', () => {
    fc.assert(
      fc.property(window, ([offset, count, max]) => {
        const cover = coverWindow(offset, count, max);
        expectExactCover(cover, offset, count, max);
        expect(cover.calls.length).toBeLessThanOrEqual(2);
      }),
    );
  });

  const small = fc
    .integer({ min: 1, max: 12 })
    .chain((max) => fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max }), fc.constant(max)));

  it('uses one call, of the smallest size, whenever one call can cover the window', () => {
    fc.assert(
      fc.property(small, ([offset, count, max]) => {
        const candidates = singleCalls(offset, count, max);
        fc.pre(candidates.length > 0);
        const smallest = Math.min(...candidates.map((call) => call.pageSize));
        const { calls } = coverWindow(offset, count, max);
        expect(calls).toHaveLength(1);
        expect(calls[0]?.pageSize).toBe(smallest);
      }),
      { numRuns: 300 },
    );
  });

  it('otherwise uses the two calls that fetch the fewest items', () => {
    fc.assert(
      fc.property(small, ([offset, count, max]) => {
        fc.pre(singleCalls(offset, count, max).length === 0);
        const least = Math.min(...callPairs(offset, count, max).map(fetched));
        const { calls } = coverWindow(offset, count, max);
        expect(calls).toHaveLength(2);
        expect(fetched(calls)).toBe(least);
      }),
      { numRuns: 300 },
    );
  });

  it('covers windows wider than a page with the fewest calls, then the fewest items', () => {
    const wide = fc
      .integer({ min: 1, max: 5 })
      .chain((max) =>
        fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: max + 1, max: 14 }), fc.constant(max)),
      );
    fc.assert(
      fc.property(wide, ([offset, count, max]) => {
        const cover = coverWindow(offset, count, max);
        expectExactCover(cover, offset, count, max);
        expect({ calls: cover.calls.length, fetched: fetched(cover.calls) }).toEqual(
          cheapestChain(offset, count, max),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('covers large windows exactly with no more calls than aligned full pages', () => {
    const large = fc.tuple(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 101, max: 1000 }));
    fc.assert(
      fc.property(large, ([offset, count]) => {
        const cover = coverWindow(offset, count);
        expectExactCover(cover, offset, count, 100);
        const alignedPages = Math.floor((offset + count - 1) / 100) - Math.floor(offset / 100) + 1;
        expect(cover.calls.length).toBeGreaterThanOrEqual(Math.ceil(count / 100));
        expect(cover.calls.length).toBeLessThanOrEqual(alignedPages);
      }),
      { numRuns: 50 },
    );
  });
});

const first = (call: PageCall) => (call.page - 1) * call.pageSize;
const reach = (call: PageCall) => call.page * call.pageSize;

describe('overlappingCover', () => {
  it.each<[number, number, PageCall[]]>([
    // One call when one can hold the window, with the fewest items.
    [0, 25, [{ page: 1, pageSize: 25 }]],
    [99, 101, [{ page: 34, pageSize: 3 }]],
    // first: 100 after offset 100, with the proof item: two calls overlapping where they meet.
    [
      99,
      200,
      [
        { page: 34, pageSize: 3 },
        { page: 2, pageSize: 100 },
      ],
    ],
  ])('[%i, %i) is read as %j', (from, to, calls) => {
    expect(overlappingCover(from, to, 100)).toEqual(calls);
  });

  it('covers the window, each call overlapping the one before, one call when one page can hold it', () => {
    fc.assert(
      fc.property(fc.nat({ max: 5000 }), fc.integer({ min: 1, max: 450 }), (from, length) => {
        const to = from + length;
        const calls = overlappingCover(from, to, 100);
        const [head] = calls;
        if (head === undefined) throw new Error('no call');
        expect(first(head)).toBeLessThanOrEqual(from);
        expect(reach(calls[calls.length - 1] ?? head)).toBeGreaterThanOrEqual(to);
        for (const [index, call] of calls.entries()) {
          expect(call.pageSize).toBeLessThanOrEqual(100);
          const before = calls[index - 1];
          if (before === undefined) continue;
          // Overlap by at least one item, and progress.
          expect(first(call)).toBeLessThanOrEqual(reach(before) - 1);
          expect(reach(call)).toBeGreaterThan(reach(before));
        }
        const oneFits = Array.from({ length: 100 }, (_, size) => size + 1).some(
          (size) => size >= length && Math.floor(from / size) === Math.floor((to - 1) / size),
        );
        if (oneFits) expect(calls).toHaveLength(1);
      }),
      { numRuns: 2000 },
    );
  });
});
