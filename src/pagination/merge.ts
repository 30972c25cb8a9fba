export interface Mergeable {
  readonly createdAtMs: number;
}

export interface MergedItem<T> {
  item: T;
  /** Index of the input stream the item came from. */
  stream: number;
  /** Index of the item within that stream's input list. */
  indexInStream: number;
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

/**
 * forward: each input lists the items AFTER the stream's current position, in stream order; returns the
 * first `take` items of the merged order. backward: each input lists the items BEFORE the stream's
 * position, in stream order (newest first); returns the LAST `take` items of the merged order, still in
 * merged (newest-first) order.
 *
 * Only the heads (forward) or tails (backward) are ever compared, so each stream's picked items are a prefix
 * (forward) or suffix (backward) of its input whether or not a provider sorted its list correctly: a cursor
 * built from the picked counts then neither skips nor repeats an item.
 */
export function mergeNewestFirst<T extends Mergeable>(
  streams: readonly (readonly T[])[],
  take: number,
  direction: 'forward' | 'backward',
): MergedItem<T>[] {
  return direction === 'forward' ? takeFromHeads(streams, take) : takeFromTails(streams, take);
}

function takeFromHeads<T extends Mergeable>(
  streams: readonly (readonly T[])[],
  take: number,
): MergedItem<T>[] {
  const next = streams.map(() => 0);
  const merged: MergedItem<T>[] = [];
  while (merged.length < take) {
    let chosen = -1;
    let chosenItem: T | undefined;
    for (let index = 0; index < streams.length; index++) {
      const head = streams[index]?.[next[index] ?? 0];
      // Scanning in stream order, a tie keeps the lower stream index.
      if (head !== undefined && (chosenItem === undefined || head.createdAtMs > chosenItem.createdAtMs)) {
        chosen = index;
        chosenItem = head;
      }
    }
    if (chosenItem === undefined) break;
    const indexInStream = next[chosen] ?? 0;
    merged.push({ item: chosenItem, stream: chosen, indexInStream });
    next[chosen] = indexInStream + 1;
  }
  return merged;
}

function takeFromTails<T extends Mergeable>(
  streams: readonly (readonly T[])[],
  take: number,
): MergedItem<T>[] {
  const remaining = streams.map((stream) => stream.length);
  const merged: MergedItem<T>[] = [];
  while (merged.length < take) {
    let chosen = -1;
    let chosenItem: T | undefined;
    for (let index = 0; index < streams.length; index++) {
      const tail = streams[index]?.[(remaining[index] ?? 0) - 1];
      // The last item in merged order is the oldest; among equals, the higher stream index comes last.
      if (tail !== undefined && (chosenItem === undefined || tail.createdAtMs <= chosenItem.createdAtMs)) {
        chosen = index;
        chosenItem = tail;
      }
    }
    if (chosenItem === undefined) break;
    const indexInStream = (remaining[chosen] ?? 0) - 1;
    merged.push({ item: chosenItem, stream: chosen, indexInStream });
    remaining[chosen] = indexInStream;
  }
  return merged.reverse();
}
