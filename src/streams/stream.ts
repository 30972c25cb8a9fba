import type { Campaign, Provider } from '../domain/campaign.js';
import type { ItemIssue } from '../domain/itemIssue.js';
import type { Boundary, IdOrder } from '../pagination/order.js';

/**
 * A stream's own note of where a position sits upstream: an offset, an upstream cursor plus a skip. It is a
 * hint only: every read checks it against the walk's boundary key and reads again when the list has moved.
 * Each stream kind defines, encodes and validates its own hints.
 */
export interface StreamHint {
  readonly kind: string;
}

/** JSON a stream stores in a client's cursor for one hint. */
export type HintWire = number | string | readonly (number | string)[];

export interface StreamReadRequest {
  /** Null at the very start (forward) or end (backward) of a walk: the hint is then exact. */
  boundary: Boundary | null;
  hint: StreamHint;
  count: number;
  direction: 'forward' | 'backward';
  /** The total carried in the client's cursor, for providers that only report it on the first page. */
  knownTotal: number | null;
}

/**
 * The campaigns beyond the boundary, in the stream's own order (newest first): forward reads return the first
 * `count` after it, backward reads the last `count` before it.
 */
export interface StreamRead {
  items: Campaign[];
  /** hintBefore[i] is a hint for the position just before items[i]; hintAfter[i] just after it. */
  hintBefore: StreamHint[];
  hintAfter: StreamHint[];
  total: number;
  /** More campaigns exist before items[0] (before the boundary when nothing was returned). */
  moreBefore: boolean;
  /** More campaigns exist after the last item (after the boundary when nothing was returned). */
  moreAfter: boolean;
  /** Items of the pages this read fetched that failed validation and were skipped. */
  issues?: readonly ItemIssue[];
}

/**
 * A read's items and hints from what it took, in order. Hints are values: the hint after one item is the hint
 * before the next when the two are `adjacent` upstream, so one object serves both (half the hints of a page).
 */
export function itemsAndHints<T>(
  taken: readonly T[],
  campaignOf: (entry: T) => Campaign,
  hintBeforeOf: (entry: T) => StreamHint,
  hintAfterOf: (entry: T) => StreamHint,
  adjacent: (previous: T, next: T) => boolean,
): Pick<StreamRead, 'items' | 'hintBefore' | 'hintAfter'> {
  const items: Campaign[] = [];
  const hintBefore: StreamHint[] = [];
  const hintAfter: StreamHint[] = [];
  let previous: { entry: T; after: StreamHint } | undefined;
  for (const entry of taken) {
    const after = hintAfterOf(entry);
    items.push(campaignOf(entry));
    hintBefore.push(
      previous !== undefined && adjacent(previous.entry, entry) ? previous.after : hintBeforeOf(entry),
    );
    hintAfter.push(after);
    previous = { entry, after };
  }
  return { items, hintBefore, hintAfter };
}

/**
 * The skipped items of the pages one read fetched. A stream notes each page it is given and hands them over
 * with its read, so that only the resolver decides how they are reported.
 */
export class IssueLog {
  private noted: ItemIssue[] = [];

  note<T extends { issues?: readonly ItemIssue[] | undefined }>(page: T): T {
    if (page.issues !== undefined && page.issues.length > 0) this.noted.push(...page.issues);
    return page;
  }

  /** Runs one read, and hands it over with the issues of the pages noted while it ran. */
  async during(read: () => Promise<StreamRead>): Promise<StreamRead> {
    this.noted = [];
    const result = await read();
    const issues = this.noted;
    this.noted = [];
    return { ...result, issues };
  }
}

/*
 * Constructors make no closures. A stream's constructor stores its options' functions as given. Streams
 * are built per request over its page loader, and with `this.fetchPage = (call) => options.fetchPage(call)…`
 * V8 kept every page the request's loader held alive through scavenges after the request had ended, until
 * the next full collection: a merged request at one connection promoted 138 KB to the old generation, and
 * 35 KB with a method instead (a standalone loop shows the same: a closure made in a constructor and stored on
 * the object, 40 KB promoted an iteration; the function stored as given, 1 KB). See BENCHMARKS.md, Memory.
 */

/** One upstream query, ordered newest first, that the merged connection reads from. */
export interface CampaignStream {
  /** Stable identity of the upstream query; part of the cursor's filter digest. */
  readonly key: string;
  readonly provider: Provider;
  /** The provider's tie order among campaigns created at the same instant. */
  readonly idOrder: IdOrder;
  /** The hint of the list's start, where a forward walk without a cursor begins. */
  readonly start: StreamHint;
  /** The hint of the list's end, for `last` without `before`. */
  readonly end: StreamHint;
  /** The hint one campaign earlier (a guess, like every hint). */
  retreat(hint: StreamHint): StreamHint;
  encodeHint(hint: StreamHint): HintWire;
  /** Null when `wire` is not a hint this stream issues; `bounded` is false for a position with no boundary. */
  decodeHint(wire: unknown, bounded: boolean): StreamHint | null;
  read(request: StreamReadRequest): Promise<StreamRead>;
}

/**
 * The upstream page size streams use when a shared cache is in front of the providers: one size for every
 * reader, so that nearby pages of different people are the same upstream request.
 */
export const SHARED_PAGE_SIZE = 100;
