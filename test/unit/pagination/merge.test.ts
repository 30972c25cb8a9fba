import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareMerged, type MergedItem, mergeNewestFirst } from '../../../src/pagination/merge.js';

interface Row {
  readonly id: string;
  readonly createdAtMs: number;
}

const row = (id: string, createdAtMs: number): Row => ({ id, createdAtMs });
const ids = (merged: readonly MergedItem<Row>[]) => merged.map(({ item }) => item.id);

const a = [row('a1', 50), row('a2', 30), row('a3', 10)];
const b = [row('b1', 40), row('b2', 30), row('b3', 20)];

describe('mergeNewestFirst', () => {
  it.each<[string, readonly (readonly Row[])[], number, 'forward' | 'backward', string[]]>([
    ['forward, first items', [a, b], 3, 'forward', ['a1', 'b1', 'a2']],
    ['forward, a tie goes to the lower stream', [a, b], 4, 'forward', ['a1', 'b1', 'a2', 'b2']],
    ['forward, more than available', [a, b], 100, 'forward', ['a1', 'b1', 'a2', 'b2', 'b3', 'a3']],
    ['forward, nothing taken', [a, b], 0, 'forward', []],
    ['backward, last items in newest-first order', [a, b], 3, 'backward', ['b2', 'b3', 'a3']],
    ['backward, across a tie', [a, b], 4, 'backward', ['a2', 'b2', 'b3', 'a3']],
    ['backward, more than available', [a, b], 100, 'backward', ['a1', 'b1', 'a2', 'b2', 'b3', 'a3']],
    ['no streams', [], 5, 'forward', []],
    ['empty streams', [[], [], []], 5, 'backward', []],
    ['one stream', [b], 2, 'forward', ['b1', 'b2']],
    [
      'an unsorted stream keeps its own order',
      [[row('x1', 10), row('x2', 90)], [row('y1', 50)]],
      3,
      'forward',
      ['y1', 'x1', 'x2'],
    ],
    [
      'an unsorted stream keeps its own order backward',
      [[row('x1', 10), row('x2', 90)], [row('y1', 50)]],
      2,
      'backward',
      ['x2', 'y1'],
    ],
  ])('%s', (_name, streams, take, direction, expected) => {
    expect(ids(mergeNewestFirst(streams, take, direction))).toEqual(expected);
  });

  it('says where each item came from', () => {
    expect(mergeNewestFirst([a, b], 2, 'backward')).toEqual([
      { item: row('b3', 20), stream: 1, indexInStream: 2 },
      { item: row('a3', 10), stream: 0, indexInStream: 2 },
    ]);
    expect(mergeNewestFirst([a, b], 2, 'forward')).toEqual([
      { item: row('a1', 50), stream: 0, indexInStream: 0 },
      { item: row('b1', 40), stream: 1, indexInStream: 0 },
    ]);
  });

  it.each<[number, number, number, number, number]>([
    [50, 0, 40, 1, -1],
    [40, 0, 50, 1, 1],
    [30, 0, 30, 1, -1],
    [30, 2, 30, 1, 1],
    [30, 1, 30, 1, 0],
  ])('compareMerged(%i in stream %i, %i in stream %i) has sign %i', (msA, streamA, msB, streamB, sign) => {
    expect(
      Math.sign(compareMerged({ createdAtMs: msA, stream: streamA }, { createdAtMs: msB, stream: streamB })),
    ).toBe(sign);
  });
});

describe('mergeNewestFirst properties', () => {
  /** Streams whose items are tagged with where they came from; few distinct times, so ties are common. */
  const taggedStreams = (sorted: boolean) =>
    fc.array(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 12 }), { maxLength: 6 }).map((streams) =>
      streams.map((times, stream) =>
        (sorted ? [...times].sort((x, y) => y - x) : times).map((createdAtMs, index) => ({
          id: `${stream}:${index}`,
          createdAtMs,
        })),
      ),
    );
  const direction = fc.constantFrom('forward' as const, 'backward' as const);

  /** The merged order of sorted streams is a stable sort by (createdAtMs desc, stream asc, index asc). */
  const stableSort = (streams: readonly (readonly Row[])[]) =>
    streams
      .flatMap((stream, streamIndex) =>
        stream.map((item, indexInStream) => ({ item, stream: streamIndex, indexInStream })),
      )
      .sort(
        (x, y) =>
          compareMerged(
            { createdAtMs: x.item.createdAtMs, stream: x.stream },
            { createdAtMs: y.item.createdAtMs, stream: y.stream },
          ) || x.indexInStream - y.indexInStream,
      );

  it('takes a prefix (forward) or suffix (backward) of every stream, in order, min(take, available) in all', () => {
    fc.assert(
      fc.property(taggedStreams(false), fc.integer({ min: 0, max: 80 }), direction, (streams, take, way) => {
        const merged = mergeNewestFirst(streams, take, way);
        const available = streams.reduce((sum, stream) => sum + stream.length, 0);
        expect(merged).toHaveLength(Math.min(take, available));
        streams.forEach((stream, streamIndex) => {
          const picked = merged.filter((entry) => entry.stream === streamIndex);
          const expected =
            way === 'forward' ? stream.slice(0, picked.length) : stream.slice(stream.length - picked.length);
          expect(picked.map((entry) => entry.item)).toEqual(expected);
          for (const entry of picked) expect(stream[entry.indexInStream]).toBe(entry.item);
        });
      }),
    );
  });

  it('gives non-increasing times when the streams are sorted', () => {
    fc.assert(
      fc.property(taggedStreams(true), fc.integer({ min: 0, max: 80 }), direction, (streams, take, way) => {
        const times = mergeNewestFirst(streams, take, way).map((entry) => entry.item.createdAtMs);
        for (let index = 1; index < times.length; index++) {
          expect(times[index]).toBeLessThanOrEqual(times[index - 1] ?? Number.POSITIVE_INFINITY);
        }
      }),
    );
  });

  it('agrees in both directions with a stable sort of sorted streams', () => {
    fc.assert(
      fc.property(taggedStreams(true), fc.integer({ min: 0, max: 80 }), (streams, take) => {
        const sorted = stableSort(streams);
        expect(mergeNewestFirst(streams, take, 'forward')).toEqual(sorted.slice(0, take));
        expect(mergeNewestFirst(streams, take, 'backward')).toEqual(
          sorted.slice(Math.max(0, sorted.length - take)),
        );
      }),
    );
  });

  it('visits every item exactly once when walking pages forward or backward, sorted or not', () => {
    fc.assert(
      fc.property(
        fc.boolean().chain((sorted) => fc.tuple(fc.constant(sorted), taggedStreams(sorted))),
        fc.integer({ min: 1, max: 7 }),
        direction,
        ([sorted, streams], pageSize, way) => {
          // A position is how many items of each stream are behind us, as a cursor would record it.
          const consumed = streams.map(() => 0);
          const seen: string[] = [];
          for (;;) {
            const remaining = streams.map((stream, index) =>
              way === 'forward'
                ? stream.slice(consumed[index])
                : stream.slice(0, stream.length - (consumed[index] ?? 0)),
            );
            const page = mergeNewestFirst(remaining, pageSize, way);
            if (page.length === 0) break;
            for (const entry of page) consumed[entry.stream] = (consumed[entry.stream] ?? 0) + 1;
            seen.push(...page.map((entry) => entry.item.id));
          }
          const all = streams.flatMap((stream) => stream.map((item) => item.id));
          expect([...seen].sort()).toEqual([...all].sort());
          if (sorted) {
            const order = stableSort(streams).map((entry) => entry.item.id);
            expect(way === 'forward' ? seen : pageReversed(seen, pageSize, all.length)).toEqual(order);
          }
        },
      ),
    );
  });
});

/** Backward pages arrive last page first; put them back in reading order. */
function pageReversed(seen: readonly string[], pageSize: number, total: number): string[] {
  const pages: string[][] = [];
  for (let start = 0; start < total; start += pageSize) pages.push(seen.slice(start, start + pageSize));
  return pages.reverse().flat();
}

/**
 * The merge as first written, allocating freely: the reference the allocation-free loops are held to, ties
 * (one item read by two streams) included.
 */
function referenceMerge<T>(
  streams: readonly (readonly T[])[],
  take: number,
  direction: 'forward' | 'backward',
  order: (a: { item: T; stream: number }, b: { item: T; stream: number }) => number,
): MergedItem<T>[] {
  const forward = direction === 'forward';
  const cursors = streams.map((stream) => (forward ? 0 : stream.length));
  const indexIn = (index: number) => (forward ? (cursors[index] ?? 0) : (cursors[index] ?? 0) - 1);
  const merged: MergedItem<T>[] = [];
  while (merged.length < take) {
    let chosen: { item: T; stream: number } | undefined;
    let same: number[] = [];
    for (let index = 0; index < streams.length; index++) {
      const item = streams[index]?.[indexIn(index)];
      if (item === undefined) continue;
      const candidate = { item, stream: index };
      const sign = chosen === undefined ? (forward ? -1 : 1) : order(candidate, chosen);
      if (forward ? sign < 0 : sign > 0) {
        chosen = candidate;
        same = [];
      } else if (sign === 0) {
        same.push(index);
      }
    }
    if (chosen === undefined) break;
    const picked: MergedItem<T> = {
      item: chosen.item,
      stream: chosen.stream,
      indexInStream: indexIn(chosen.stream),
    };
    if (same.length > 0)
      picked.duplicates = same.map((stream) => ({ stream, indexInStream: indexIn(stream) }));
    for (const stream of [chosen.stream, ...same])
      cursors[stream] = (cursors[stream] ?? 0) + (forward ? 1 : -1);
    merged.push(picked);
  }
  return forward ? merged : merged.reverse();
}

describe('mergeNewestFirst against the reference merge', () => {
  it('picks the same items, streams, indexes and duplicates, ties included', () => {
    // Few distinct times and ids, so that heads tie often: an id seen in two streams at once is one item.
    const item = fc.record({
      id: fc.integer({ min: 0, max: 5 }),
      createdAtMs: fc.integer({ min: 0, max: 4 }),
    });
    const stream = fc
      .array(item, { maxLength: 8 })
      .map((rows) => [...rows].sort((x, y) => y.createdAtMs - x.createdAtMs));
    const order = (x: { item: { id: number; createdAtMs: number }; stream: number }, y: typeof x) =>
      x.item.createdAtMs !== y.item.createdAtMs
        ? y.item.createdAtMs - x.item.createdAtMs
        : x.item.id !== y.item.id
          ? x.item.id - y.item.id
          : 0;
    fc.assert(
      fc.property(
        fc.array(stream, { maxLength: 4 }),
        fc.integer({ min: 0, max: 40 }),
        fc.constantFrom('forward' as const, 'backward' as const),
        (streams, take, direction) => {
          expect(mergeNewestFirst(streams, take, direction, order)).toEqual(
            referenceMerge(streams, take, direction, order),
          );
        },
      ),
      { numRuns: 3000 },
    );
  });
});
