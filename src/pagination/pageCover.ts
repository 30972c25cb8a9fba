/** One request to a page-numbered API: 1-based `page` of `pageSize` items, i.e. items [(page-1)*pageSize, page*pageSize). */
export interface PageCall {
  page: number;
  pageSize: number;
}

export interface PageCover {
  /** Back to back: each call's first item directly follows the previous call's last item. */
  calls: PageCall[];
  /** Absolute offset of `calls[0]`'s first item (the window's offset when there are no calls). */
  firstItemOffset: number;
}

export const DEFAULT_MAX_PAGE_SIZE = 100;

/**
 * The cheapest run of back-to-back page calls whose items include [offset, offset + count): fewest calls
 * first, then fewest items fetched. A page-numbered API can start a page of size s only at multiples of s,
 * so an unaligned window usually needs an odd page size to be fetched in one call.
 *
 * A window of count <= maxPageSize never needs more than two calls: pages of size `count` are aligned at
 * multiples of `count`, and the window straddles at most one such boundary.
 *
 * The search is exhaustive, O((count + maxPageSize) * maxPageSize): about 20k steps for a page of 100.
 */
export function coverWindow(
  offset: number,
  count: number,
  maxPageSize: number = DEFAULT_MAX_PAGE_SIZE,
): PageCover {
  requireInteger('offset', offset, 0);
  requireInteger('count', count, 0);
  requireInteger('maxPageSize', maxPageSize, 1);
  if (count === 0) return { calls: [], firstItemOffset: offset };

  const end = offset + count;
  // A cheapest cover's first call contains `offset`, so it starts at most maxPageSize - 1 items before it.
  const lowest = Math.max(0, offset - maxPageSize + 1);
  // Indexed by start - lowest: the cheapest run of calls that starts exactly there and reaches `end`.
  const callsFrom = new Float64Array(end - lowest);
  const fetchedFrom = new Float64Array(end - lowest);
  const firstSizeFrom = new Uint32Array(end - lowest);
  const cheaper = (calls: number, fetched: number, than: number) =>
    calls < read(callsFrom, than) || (calls === read(callsFrom, than) && fetched < read(fetchedFrom, than));

  for (let start = end - 1; start >= lowest; start--) {
    const at = start - lowest;
    callsFrom[at] = Number.POSITIVE_INFINITY;
    for (let size = 1; size <= maxPageSize; size++) {
      if (start % size !== 0) continue;
      const rest = start + size - lowest;
      const calls = start + size >= end ? 1 : read(callsFrom, rest) + 1;
      const fetched = start + size >= end ? size : read(fetchedFrom, rest) + size;
      if (cheaper(calls, fetched, at)) {
        callsFrom[at] = calls;
        fetchedFrom[at] = fetched;
        firstSizeFrom[at] = size;
      }
    }
  }

  let firstStart = lowest;
  for (let start = lowest + 1; start <= offset; start++) {
    const at = start - lowest;
    if (cheaper(read(callsFrom, at), read(fetchedFrom, at), firstStart - lowest)) firstStart = start;
  }

  const calls: PageCall[] = [];
  for (let start = firstStart; start < end; ) {
    const pageSize = read(firstSizeFrom, start - lowest);
    calls.push({ page: start / pageSize + 1, pageSize });
    start += pageSize;
  }
  return { calls, firstItemOffset: firstStart };
}

function read(table: Float64Array | Uint32Array, index: number): number {
  const value = table[index];
  if (value === undefined) throw new RangeError(`coverWindow: no entry ${index}`);
  return value;
}

function requireInteger(name: string, value: number, minimum: number): void {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new RangeError(`coverWindow: ${name} must be an integer >= ${minimum}; got ${value}.`);
  }
}

/**
 * Calls whose items include [from, to): one when one can (the fewest items), else a chain in which every
 * call overlaps the previous one by at least one campaign, so that their agreement there can be checked.
 * Two calls when two can (the fewest items), else greedily the longest reach.
 */
export function overlappingCover(from: number, to: number, maxPageSize: number): PageCall[] {
  const callAt = (offset: number, size: number): PageCall => ({
    page: Math.floor(offset / size) + 1,
    pageSize: size,
  });
  const reach = (call: PageCall) => call.page * call.pageSize;
  for (let size = Math.max(1, to - from); size <= maxPageSize; size++) {
    if (reach(callAt(from, size)) >= to) return [callAt(from, size)];
  }
  let pair: PageCall[] | null = null;
  let fetched = Number.POSITIVE_INFINITY;
  for (let first = 1; first <= maxPageSize; first++) {
    const head = callAt(from, first);
    const seam = reach(head) - 1;
    if (seam <= from) continue;
    for (let second = 1; second <= maxPageSize && first + second < fetched; second++) {
      const tail = callAt(seam, second);
      if (reach(tail) < to) continue;
      pair = [head, tail];
      fetched = first + second;
    }
  }
  if (pair !== null) return pair;
  const calls: PageCall[] = [];
  let at = from;
  while (true) {
    let best = callAt(at, 1);
    for (let size = 2; size <= maxPageSize; size++) {
      if (reach(callAt(at, size)) > reach(best)) best = callAt(at, size);
    }
    calls.push(best);
    if (reach(best) >= to) return calls;
    at = reach(best) - 1;
  }
}
