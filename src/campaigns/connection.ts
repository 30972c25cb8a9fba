import type { Campaign } from '../domain/campaign.js';
import { BadUserInputError, UpstreamError } from '../errors.js';
import { type ConnectionArgs, type PageRequest, parseConnectionArgs } from '../pagination/connectionArgs.js';
import {
  type ConnectionCursor,
  decodeCursor,
  digestOf,
  encodeCursor,
  retreatPosition,
  type StreamPosition,
} from '../pagination/cursor.js';
import { mergeNewestFirst } from '../pagination/merge.js';
import type { CampaignStream, StreamRead } from '../providers/provider.js';

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
}

interface Walk {
  positions: StreamPosition[];
  totals: (number | null)[];
}

/**
 * One page of the merged connection. Every stream is read from its position in the cursor, the reads are
 * merged newest first, and each edge's cursor records every stream's position just after that edge. Nothing
 * depends on comparing createdAt across pages, so each campaign appears once even if a provider's order is
 * off; a stream that fails keeps its position, so its campaigns come later instead of never.
 */
export async function readCampaignPage(
  streams: readonly CampaignStream[],
  args: ConnectionArgs,
): Promise<CampaignPage> {
  const request = parseConnectionArgs(args);
  const filterDigest = digestOf(streams.map((stream) => stream.key));
  const walk = startingWalk(streams, request, filterDigest);
  if (streams.length === 0) {
    return { edges: [], pageInfo: pageInfo(request, [], false), totalCount: 0, failures: [] };
  }

  const settled = await Promise.allSettled(
    streams.map((stream, index) =>
      stream.read({
        position: walk.positions[index] ?? stream.start,
        count: request.count,
        direction: request.direction,
        knownTotal: walk.totals[index] ?? null,
      }),
    ),
  );
  const reads: (StreamRead | null)[] = [];
  const failures: UpstreamError[] = [];
  for (const outcome of settled) {
    if (outcome.status === 'fulfilled') {
      reads.push(outcome.value);
    } else if (outcome.reason instanceof UpstreamError) {
      reads.push(null);
      failures.push(outcome.reason);
    } else {
      throw outcome.reason;
    }
  }

  const picked = mergeNewestFirst(
    reads.map((read) =>
      read === null
        ? []
        : read.items.map((campaign) => ({ createdAtMs: campaign.createdAt.getTime(), campaign })),
    ),
    request.count,
    request.direction,
  );
  const taken = reads.map(() => 0);
  for (const { stream } of picked) taken[stream] = (taken[stream] ?? 0) + 1;

  const totals = reads.map((read, index) => (read === null ? (walk.totals[index] ?? null) : read.total));
  // The page is a contiguous slice of the merged order: start from its lower cut and step over its edges.
  const cut = reads.map((read, index) => {
    const position = walk.positions[index] ?? streams[index]?.start;
    if (position === undefined) throw new Error('stream without a position');
    if (request.direction === 'forward' || read === null) return position;
    const first = read.items.length - (taken[index] ?? 0);
    return first < read.items.length ? (read.positionBefore[first] ?? position) : position;
  });
  const edges = picked.map(({ item, stream, indexInStream }): CampaignEdge => {
    const after = reads[stream]?.positionAfter[indexInStream];
    if (after !== undefined) cut[stream] = after;
    return lazyEdge(item.campaign, { filterDigest, edgeStream: stream, positions: [...cut], totals });
  });

  const more = reads.some((read, index) => {
    if (read === null) return true;
    const left = read.items.length - (taken[index] ?? 0);
    return left > 0 || (request.direction === 'forward' ? read.moreAfter : read.moreBefore);
  });
  const totalCount = reads.reduce((sum, read) => sum + (read === null ? 0 : read.total), 0);
  return { edges, pageInfo: pageInfo(request, edges, more), totalCount, failures };
}

function startingWalk(streams: readonly CampaignStream[], request: PageRequest, filterDigest: string): Walk {
  const raw = request.direction === 'forward' ? request.after : request.before;
  if (raw === null) {
    return {
      positions: streams.map((stream) => (request.direction === 'forward' ? stream.start : stream.end)),
      totals: streams.map(() => null),
    };
  }
  const argument = request.direction === 'forward' ? 'after' : 'before';
  const cursor = decodeOrExplain(raw, filterDigest, streams.length, argument);
  const positions = [...cursor.positions];
  if (request.direction === 'backward') {
    // An edge's cursor marks the place just after its campaign; `before` must exclude that campaign too.
    const own = positions[cursor.edgeStream];
    if (own !== undefined) positions[cursor.edgeStream] = retreatPosition(own, 1);
  }
  positions.forEach((position, index) => {
    if (!streams[index]?.accepts(position)) throw invalidCursor(argument);
  });
  return { positions, totals: [...cursor.totals] };
}

function decodeOrExplain(
  raw: string,
  filterDigest: string,
  streamCount: number,
  argument: 'after' | 'before',
) {
  try {
    return decodeCursor(raw, { filterDigest, streamCount });
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
  return {
    hasNextPage: forward ? more : request.before !== null,
    hasPreviousPage: forward ? request.after !== null : more,
    startCursor: edges[0]?.cursor ?? null,
    endCursor: edges[edges.length - 1]?.cursor ?? null,
  };
}

/** Encoding a cursor costs more than building the edge; most queries never ask for most edges' cursors. */
function lazyEdge(node: Campaign, cursor: ConnectionCursor): CampaignEdge {
  let encoded: string | undefined;
  return {
    node,
    get cursor() {
      if (encoded === undefined) encoded = encodeCursor(cursor);
      return encoded;
    },
  };
}
