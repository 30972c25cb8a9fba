// About 350 lines: reading one merged page (its streams, the merge, the cut and every edge's cursor) is
// one function whose steps share the walk; the cursor encoding beside it is what it issues.
import type { Campaign } from '../domain/campaign.js';
import type { ItemIssue } from '../domain/itemIssue.js';
import { BadUserInputError, UpstreamError } from '../errors.js';
import { type ConnectionArgs, type PageRequest, parseConnectionArgs } from '../pagination/connectionArgs.js';
import {
  type ConnectionCursor,
  type CursorCodec,
  type CursorKey,
  digestOf,
  MAX_CURSOR_LENGTH,
} from '../pagination/cursor.js';
import { mergeNewestFirst } from '../pagination/merge.js';
import { type Boundary, type CampaignKey, compareKeys } from '../pagination/order.js';
import type { CampaignStream, StreamHint, StreamRead } from '../streams/stream.js';

export interface CampaignEdge {
  readonly cursor: string;
  readonly node: Campaign;
}

export interface CampaignPage {
  edges: CampaignEdge[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  totalCount: number;
  /** Streams that failed: their campaigns are missing from this page, and their positions did not move. */
  failures: UpstreamError[];
  /** Items the providers sent that failed validation and were left out. */
  issues: ItemIssue[];
}

/** Where every stream stands: its boundary key (null before it has shown anything) and its upstream hint. */
interface Walk {
  boundaries: (CursorKey | null)[];
  hints: StreamHint[];
  totals: (number | null)[];
}

/** A campaign with its key in the merged order: one object an item, as the merge compares every head. */
interface Entry extends CampaignKey {
  readonly campaign: Campaign;
}

/**
 * One page of the merged connection. Every stream is read from where the cursor says the walk stands: past
 * the key of the cursor's campaign, with the stream's own upstream hint (an offset, an upstream cursor) to find
 * that place cheaply. The reads are merged in one total order (createdAt, provider, the provider's tie order),
 * so a campaign shows once even when it moved between two upstream queries, and is never shown again once the
 * walk is past its key, however the lists moved. A stream that fails keeps its own boundary, so its campaigns
 * come later instead of never.
 */
export async function readCampaignPage(
  streams: readonly CampaignStream[],
  args: ConnectionArgs,
  codec: CursorCodec,
): Promise<CampaignPage> {
  const request = parseConnectionArgs(args);
  const filterDigest = digestOf(streams.map((stream) => stream.key));
  const walk = startingWalk(streams, request, filterDigest, codec);
  if (streams.length === 0) {
    return { edges: [], pageInfo: pageInfo(request, [], false), totalCount: 0, failures: [], issues: [] };
  }

  const settled = await Promise.allSettled(
    streams.map((stream, index) =>
      stream.read({
        boundary: boundaryOf(streams, walk.boundaries[index] ?? null),
        hint: walk.hints[index] ?? stream.start,
        count: request.count,
        direction: request.direction,
        knownTotal: walk.totals[index] ?? null,
      }),
    ),
  );
  const reads: (StreamRead | null)[] = [];
  const failures: UpstreamError[] = [];
  const issues: ItemIssue[] = [];
  for (const outcome of settled) {
    if (outcome.status === 'fulfilled') {
      reads.push(outcome.value);
      issues.push(...(outcome.value.issues ?? []));
    } else if (outcome.reason instanceof UpstreamError) {
      reads.push(null);
      failures.push(outcome.reason);
    } else {
      throw outcome.reason;
    }
  }
  // A provider's streams move together: a campaign can move between them (a status change), and one that
  // left a stream held back by a failure must find the others still short of it.
  const held = new Set(
    streams.filter((_stream, index) => reads[index] === null).map((stream) => stream.provider),
  );
  streams.forEach((stream, index) => {
    if (held.has(stream.provider)) reads[index] = null;
  });

  const picked = mergeNewestFirst<Entry>(
    reads.map((read) =>
      read === null
        ? []
        : read.items.map(
            (campaign): Entry => ({
              createdAtMs: campaign.createdAt.getTime(),
              provider: campaign.provider,
              providerId: campaign.providerId,
              campaign,
            }),
          ),
    ),
    request.count,
    request.direction,
    (a, b) => compareKeys(a.item, b.item, streams[a.stream]?.idOrder ?? (() => 0)),
  );
  const consumed = reads.map(() => 0);
  for (const { stream, duplicates } of picked) {
    consumed[stream] = (consumed[stream] ?? 0) + 1;
    for (const duplicate of duplicates ?? [])
      consumed[duplicate.stream] = (consumed[duplicate.stream] ?? 0) + 1;
  }

  const totals = reads.map((read, index) => (read === null ? (walk.totals[index] ?? null) : read.total));
  // A stream that failed stays where it stood; every other stream stands at the edge, unless it stood
  // beyond the edge already (it moved on while another failed): a boundary never moves back.
  const heldBoundaries = new Map<number, CursorKey | null>();
  reads.forEach((read, index) => {
    if (read === null) heldBoundaries.set(index, walk.boundaries[index] ?? null);
  });
  const ownBoundariesAt = (edge: CursorKey) => {
    const own = new Map(heldBoundaries);
    walk.boundaries.forEach((boundary, index) => {
      if (boundary === null || own.has(index) || !isPast(streams, boundary, edge, request.direction)) return;
      own.set(index, boundary);
    });
    return own;
  };
  // The page is a contiguous slice of the merged order: start from its lower cut and step over its edges.
  const lowerCut = reads.map((read, index) => {
    const hint = walk.hints[index] ?? streams[index]?.start;
    if (hint === undefined) throw new Error('stream without a hint');
    if (request.direction === 'forward' || read === null) return hint;
    const first = read.items.length - (consumed[index] ?? 0);
    return first < read.items.length ? (read.hintBefore[first] ?? hint) : hint;
  });
  // Cursors are derived only for the edges whose cursor is read (most queries read one, endCursor): the
  // hints just after edge `position` come from replaying the page's steps over the lower cut, kept for the
  // next edge, so reading every edge's cursor in order is one pass.
  let replay = { through: -1, cut: [...lowerCut] };
  const cursorAt = (position: number): string => {
    if (position < replay.through) replay = { through: -1, cut: [...lowerCut] };
    while (replay.through < position) {
      const step = picked[++replay.through];
      if (step === undefined) break;
      for (const { stream, indexInStream } of [step, ...(step.duplicates ?? [])]) {
        const after = reads[stream]?.hintAfter[indexInStream];
        if (after !== undefined) replay.cut[stream] = after;
      }
    }
    const { item, stream } = picked[position] as (typeof picked)[number];
    const edge = { stream, createdAtMs: item.createdAtMs, providerId: item.campaign.providerId };
    return encodeWithinBound(codec, streams, {
      filterDigest,
      edge,
      hints: [...replay.cut],
      totals,
      ownBoundaries: ownBoundariesAt(edge),
    });
  };
  const edges = picked.map(({ item }, position) => new LazyEdge(item.campaign, cursorAt, position));

  const more = reads.some((read, index) => {
    if (read === null) return true;
    const left = read.items.length - (consumed[index] ?? 0);
    return left > 0 || (request.direction === 'forward' ? read.moreAfter : read.moreBefore);
  });
  const totalCount = reads.reduce((sum, read) => sum + (read === null ? 0 : read.total), 0);
  return { edges, pageInfo: pageInfo(request, edges, more), totalCount, failures, issues };
}

function startingWalk(
  streams: readonly CampaignStream[],
  request: PageRequest,
  filterDigest: string,
  codec: CursorCodec,
): Walk {
  const raw = request.direction === 'forward' ? request.after : request.before;
  if (raw === null) {
    return {
      boundaries: streams.map(() => null),
      hints: streams.map((stream) => (request.direction === 'forward' ? stream.start : stream.end)),
      totals: streams.map(() => null),
    };
  }
  const argument = request.direction === 'forward' ? 'after' : 'before';
  const cursor = decodeOrExplain(codec, raw, filterDigest, streams.length, argument);
  const boundaries = streams.map((_stream, index) =>
    cursor.ownBoundaries.has(index) ? (cursor.ownBoundaries.get(index) ?? null) : cursor.edge,
  );
  const hints = streams.map((stream, index) => {
    const hint = stream.decodeHint(cursor.hints[index], boundaries[index] !== null);
    if (hint === null) throw invalidCursor(argument);
    // An edge's cursor marks the place just after its campaign; `before` starts just before it.
    return request.direction === 'backward' && index === cursor.edge.stream ? stream.retreat(hint) : hint;
  });
  return { boundaries, hints, totals: [...cursor.totals] };
}

/** Whether `boundary` lies beyond `edge` in the walk's direction (in the merged order of the streams). */
function isPast(
  streams: readonly CampaignStream[],
  boundary: CursorKey,
  edge: CursorKey,
  direction: 'forward' | 'backward',
): boolean {
  const a = boundaryOf(streams, boundary)?.key;
  const b = boundaryOf(streams, edge)?.key;
  const idOrder = streams[boundary.stream]?.idOrder;
  if (a === undefined || b === undefined || idOrder === undefined) return false;
  const order = compareKeys(a, b, idOrder);
  return direction === 'forward' ? order > 0 : order < 0;
}

function boundaryOf(streams: readonly CampaignStream[], key: CursorKey | null): Boundary | null {
  const provider = key === null ? undefined : streams[key.stream]?.provider;
  if (key === null || provider === undefined) return null;
  return { key: { createdAtMs: key.createdAtMs, provider, providerId: key.providerId } };
}

function decodeOrExplain(
  codec: CursorCodec,
  raw: string,
  filterDigest: string,
  streamCount: number,
  argument: 'after' | 'before',
): ConnectionCursor {
  try {
    return codec.decode(raw, { filterDigest, streamCount });
  } catch (error) {
    if (error instanceof BadUserInputError) {
      throw new BadUserInputError(`\`${argument}\`: ${error.message}`, { argument });
    }
    throw error;
  }
}

function invalidCursor(argument: 'after' | 'before') {
  return new BadUserInputError(
    `\`${argument}\`: the cursor is not valid for this query. Pass back an edge's cursor unchanged, with the same filter.`,
    { argument },
  );
}

/**
 * Relay leaves the opposite direction's flag loose; ours is exact: paging forward, hasPreviousPage is true
 * exactly when `after` was given (that edge precedes the page), and paging backward, hasNextPage is true
 * exactly when `before` was given.
 */
function pageInfo(
  request: PageRequest,
  edges: readonly CampaignEdge[],
  more: boolean,
): CampaignPage['pageInfo'] {
  const forward = request.direction === 'forward';
  // An empty page with more to come (a provider failed, or `first: 0`) stands where it was asked for: its
  // cursors are the one passed in, so a client chaining endCursor (or startCursor) asks again from there
  // instead of starting over.
  const standing = edges.length === 0 && more ? (forward ? request.after : request.before) : null;
  return new LazyPageInfo(
    forward ? more : request.before !== null,
    forward ? request.after !== null : more,
    edges,
    standing,
  );
}

// Cursors are encoded (and signed) only when the query selects them, through getters on a class's prototype.
// Not getters in object literals: V8 builds each such literal as a dictionary-mode object, a cost per edge
// in allocation and in what survives young-generation GC (BENCHMARKS.md, Memory).

class LazyPageInfo {
  constructor(
    readonly hasNextPage: boolean,
    readonly hasPreviousPage: boolean,
    private readonly edges: readonly CampaignEdge[],
    private readonly standing: string | null,
  ) {}

  get startCursor(): string | null {
    return this.edges[0]?.cursor ?? this.standing;
  }

  get endCursor(): string | null {
    return this.edges[this.edges.length - 1]?.cursor ?? this.standing;
  }
}

interface PendingCursor extends Omit<ConnectionCursor, 'hints'> {
  hints: StreamHint[];
}

/** Encoding a cursor costs more than building the edge; most queries never ask for most edges' cursors. */
class LazyEdge implements CampaignEdge {
  private encoded: string | undefined;

  constructor(
    readonly node: Campaign,
    private readonly cursorAt: (position: number) => string,
    private readonly position: number,
  ) {}

  get cursor(): string {
    this.encoded ??= this.cursorAt(this.position);
    return this.encoded;
  }
}

/**
 * Hints carry providers' own cursors, whose size is the providers' choice. Past the bound a client may send
 * back, the longest hints fall back to their stream's start: hints are only hints, and a read re-locates
 * from the start by the boundary key.
 */
function encodeWithinBound(
  codec: CursorCodec,
  streams: readonly CampaignStream[],
  pending: PendingCursor,
): string {
  const hints = pending.hints.map((hint, index) => streams[index]?.encodeHint(hint));
  let encoded = codec.encode({ ...pending, hints });
  // Every edge's cursor passes here; only one over the bound pays for sizing its hints.
  if (encoded.length <= MAX_CURSOR_LENGTH) return encoded;
  const longestFirst = hints
    .map((hint, index) => ({ index, size: JSON.stringify(hint ?? null).length }))
    .sort((one, other) => other.size - one.size);
  for (const { index } of longestFirst) {
    const stream = streams[index];
    if (encoded.length <= MAX_CURSOR_LENGTH || stream === undefined) break;
    hints[index] = stream.encodeHint(stream.start);
    encoded = codec.encode({ ...pending, hints });
  }
  return encoded;
}
