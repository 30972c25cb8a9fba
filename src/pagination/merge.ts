export interface Mergeable {
  readonly createdAtMs: number;
}

/** An item and the input stream it heads (forward) or tails (backward). */
export interface MergeCandidate<T> {
  readonly item: T;
  readonly stream: number;
}

/** Negative when `a` comes first in the merged order; 0 when both are the same item seen by two streams. */
export type MergeOrder<T> = (a: MergeCandidate<T>, b: MergeCandidate<T>) => number;

export interface MergedItem<T> {
  item: T;
  /** Index of the input stream the item came from. */
  stream: number;
  /** Index of the item within that stream's input list. */
  indexInStream: number;
  /** The same item as read by other streams, consumed with it and not shown again. */
  duplicates?: { stream: number; indexInStream: number }[];
}

/** Negative when `a` comes first in the merged order: newer first, then the lower stream index. */
export function compareMerged(
  a: { readonly createdAtMs: number; readonly stream: number },
  b: { readonly createdAtMs: number; readonly stream: number },
): number {
  if (a.createdAtMs > b.createdAtMs) return -1;
  if (a.createdAtMs < b.createdAtMs) return 1;
  return a.stream - b.stream;
}

const byCreatedAtThenStream = <T extends Mergeable>(a: MergeCandidate<T>, b: MergeCandidate<T>) =>
  compareMerged(
    { createdAtMs: a.item.createdAtMs, stream: a.stream },
    { createdAtMs: b.item.createdAtMs, stream: b.stream },
  );

/**
 * forward: each input lists the items AFTER the stream's current position, in stream order; returns the
 * first `take` items of the merged order. backward: each input lists the items BEFORE the stream's
 * position, in stream order (newest first); returns the LAST `take` items of the merged order, still in
 * merged (newest-first) order.
 *
 * Only the heads (forward) or tails (backward) are ever compared, so each stream's consumed items are a
 * prefix (forward) or suffix (backward) of its input whether or not a provider sorted its list correctly: a
 * cursor built from the consumed counts then neither skips nor repeats an item. Heads that `order` calls
 * equal are one item read twice (a campaign that moved between two upstream queries): it is taken once.
 */
export function mergeNewestFirst<T extends Mergeable>(
  streams: readonly (readonly T[])[],
  take: number,
  direction: 'forward' | 'backward',
  order: MergeOrder<T> = byCreatedAtThenStream,
): MergedItem<T>[] {
  return direction === 'forward' ? takeFromHeads(streams, take, order) : takeFromTails(streams, take, order);
}

function takeFromHeads<T>(streams: readonly (readonly T[])[], take: number, order: MergeOrder<T>) {
  const next = streams.map(() => 0);
  const merged: MergedItem<T>[] = [];
  while (merged.length < take) {
    let chosen: MergeCandidate<T> | undefined;
    let same: number[] = [];
    for (let index = 0; index < streams.length; index++) {
      const head = streams[index]?.[next[index] ?? 0];
      if (head === undefined) continue;
      const candidate = { item: head, stream: index };
      const sign = chosen === undefined ? -1 : order(candidate, chosen);
      if (sign < 0) {
        chosen = candidate;
        same = [];
      } else if (sign === 0) {
        same.push(index);
      }
    }
    if (chosen === undefined) break;
    merged.push(consume(chosen, same, next, (index) => next[index] ?? 0, 1));
  }
  return merged;
}

function takeFromTails<T>(streams: readonly (readonly T[])[], take: number, order: MergeOrder<T>) {
  const remaining = streams.map((stream) => stream.length);
  const merged: MergedItem<T>[] = [];
  while (merged.length < take) {
    let chosen: MergeCandidate<T> | undefined;
    let same: number[] = [];
    for (let index = 0; index < streams.length; index++) {
      const tail = streams[index]?.[(remaining[index] ?? 0) - 1];
      if (tail === undefined) continue;
      const candidate = { item: tail, stream: index };
      // The last item in merged order is the oldest.
      const sign = chosen === undefined ? 1 : order(candidate, chosen);
      if (sign > 0) {
        chosen = candidate;
        same = [];
      } else if (sign === 0) {
        same.push(index);
      }
    }
    if (chosen === undefined) break;
    merged.push(consume(chosen, same, remaining, (index) => (remaining[index] ?? 0) - 1, -1));
  }
  return merged.reverse();
}

/** Records the chosen item and its duplicates, and moves each of their streams on by one. */
function consume<T>(
  chosen: MergeCandidate<T>,
  same: readonly number[],
  cursors: number[],
  indexIn: (stream: number) => number,
  step: 1 | -1,
): MergedItem<T> {
  const picked: MergedItem<T> = {
    item: chosen.item,
    stream: chosen.stream,
    indexInStream: indexIn(chosen.stream),
  };
  if (same.length > 0) {
    picked.duplicates = same.map((stream) => ({ stream, indexInStream: indexIn(stream) }));
  }
  for (const stream of [chosen.stream, ...same]) cursors[stream] = (cursors[stream] ?? 0) + step;
  return picked;
}
