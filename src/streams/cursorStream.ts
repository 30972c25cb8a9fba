// Slightly over 300 lines: the walks toward and away from an anchor and the hint arithmetic are one
// algorithm over the same segments.
import { z } from 'zod';
import type { Campaign, Provider } from '../domain/campaign.js';
import type { ItemIssue } from '../domain/itemIssue.js';
import { UpstreamBadResponseError, UpstreamUnavailableError } from '../errors.js';
import { type Boundary, type IdOrder, isBeyond } from '../pagination/order.js';
import {
  type CampaignStream,
  type HintWire,
  IssueLog,
  itemsAndHints,
  type StreamHint,
  type StreamRead,
  type StreamReadRequest,
} from './stream.js';

export interface CursorCall {
  /** null: the list's start (direction next) or end (direction previous). */
  cursor: string | null;
  direction: 'next' | 'previous';
  pageSize: number;
}

export interface CursorPage {
  totalCount: number | null;
  entries: (Campaign | null)[];
  hasMore: boolean;
  hasPrevious: boolean;
  nextCursor: string | null;
  previousCursor: string | null;
  /** Entries that failed validation (null in `entries`), for the response's errors. */
  issues?: readonly ItemIssue[];
}

export interface CursorStreamOptions {
  key: string;
  provider: Provider;
  idOrder: IdOrder;
  fetchPage: (call: CursorCall) => Promise<CursorPage>;
  /**
   * Ask for pages of this size whatever the read needs, so that readers near the same anchor send the
   * provider the same requests (which a shared cache then answers once). Absent: as much as the read needs.
   */
  alignedPageSize?: number | undefined;
}

/** A place in a cursor-paginated list that the provider can start a page from. */
type Anchor = { kind: 'start' } | { kind: 'end' } | { kind: 'cursor'; cursor: string };

/** A position `skip` campaigns after an anchor (negative: before it). */
interface CursorHint extends StreamHint {
  readonly kind: 'cursor.hint';
  readonly anchor: Anchor;
  readonly skip: number;
}

/** One call's answer, with the anchors just before its first and just after its last item where known. */
interface Segment {
  page: CursorPage;
  before: Anchor | null;
  after: Anchor | null;
}

interface Located {
  segment: Segment;
  index: number;
  campaign: Campaign;
}

export const MAX_UPSTREAM_CURSOR_LENGTH = 1024;
const MAX_PAGE = 100;
/** Pages one read may follow while the list moved, before it reports the provider as misbehaving. */
const MAX_CALLS = 5;
const START: Anchor = { kind: 'start' };
const END: Anchor = { kind: 'end' };

const skip = z
  .int()
  .min(-(MAX_PAGE + 1))
  .max(MAX_PAGE + 1);
const wire = z.union([
  z.tuple([z.literal('s'), skip.min(0)]),
  z.tuple([z.literal('e'), skip.min(0)]),
  z.tuple([z.literal('c'), z.string().min(1).max(MAX_UPSTREAM_CURSOR_LENGTH), skip]),
]);

const hintAt = (anchor: Anchor, skip: number): CursorHint => ({ kind: 'cursor.hint', anchor, skip });

/**
 * A list behind a cursor-paginated API (cursor + direction) whose cursors sit between two items and work in
 * both directions (an assumption the provider states). A position is the walk's boundary key plus a hint:
 * an anchor the provider gave us and a small signed skip, so most pages are one call (`pageSize = skip +
 * count`). Reads drop what is not beyond the boundary, so campaigns created above the position or deleted
 * below an anchor shift nothing. Reading toward the position from an anchor on its far side (the list's
 * start or end, or a cursor after it) goes on until a campaign at or past the boundary proves the gap closed.
 */
export class CursorStream implements CampaignStream {
  readonly start: StreamHint = hintAt(START, 0);
  readonly end: StreamHint = hintAt(END, 0);
  readonly key: string;
  readonly provider: Provider;
  readonly idOrder: IdOrder;
  /** As given, called through `fetchPage`: "Constructors make no closures" in stream.ts says why. */
  private readonly fetchPageOption: (call: CursorCall) => Promise<CursorPage>;
  private readonly issues = new IssueLog();
  private readonly alignedPageSize: number | undefined;

  constructor(options: CursorStreamOptions) {
    this.alignedPageSize = options.alignedPageSize;
    this.key = options.key;
    this.provider = options.provider;
    this.idOrder = options.idOrder;
    this.fetchPageOption = options.fetchPage;
  }

  /** Every page a read fetches goes through here, so that its skipped items are noted for that read. */
  private fetchPage(call: CursorCall): Promise<CursorPage> {
    return this.fetchPageOption(call).then((page) => this.issues.note(page));
  }

  retreat(hint: StreamHint): StreamHint {
    const { anchor, skip } = this.own(hint);
    if (anchor.kind === 'start') return hintAt(anchor, Math.max(0, skip - 1));
    return Math.abs(skip - 1) > MAX_PAGE + 1 ? hint : hintAt(anchor, skip - 1);
  }

  encodeHint(hint: StreamHint): HintWire {
    const { anchor, skip } = this.own(hint);
    switch (anchor.kind) {
      case 'start':
        return ['s', skip];
      case 'end':
        return ['e', -skip];
      case 'cursor':
        // A provider's cursor too long for a client's cursor is not kept: the start is a hint too, and a read
        // from it walks to the boundary (slower, still exact).
        return anchor.cursor.length > MAX_UPSTREAM_CURSOR_LENGTH ? ['s', 0] : ['c', anchor.cursor, skip];
    }
  }

  decodeHint(raw: unknown, bounded: boolean): StreamHint | null {
    const parsed = wire.safeParse(raw);
    if (!parsed.success) return null;
    const data = parsed.data;
    const hint =
      data[0] === 's'
        ? hintAt(START, data[1])
        : data[0] === 'e'
          ? hintAt(END, -data[1])
          : hintAt({ kind: 'cursor', cursor: data[1] }, data[2]);
    // Without a boundary a position is exactly the start or the end.
    if (!bounded && (hint.anchor.kind === 'cursor' || hint.skip !== 0)) return null;
    return hint;
  }

  read(request: StreamReadRequest): Promise<StreamRead> {
    return this.issues.during(() => this.readUpstream(request));
  }

  private async readUpstream({
    boundary,
    hint,
    count,
    direction,
    knownTotal,
  }: StreamReadRequest): Promise<StreamRead> {
    const own = this.own(hint);
    const segments = count === 0 ? [] : await this.segmentsFor(boundary, own, count, direction);
    const located: Located[] = [];
    for (const segment of segments) {
      segment.page.entries.forEach((campaign, index) => {
        if (campaign === null) return;
        if (boundary === null || isBeyond(campaign, boundary, direction, this.idOrder)) {
          located.push({ segment, index, campaign });
        }
      });
    }
    const taken =
      direction === 'forward' ? located.slice(0, count) : located.slice(Math.max(0, located.length - count));
    const first = segments[0];
    const last = segments[segments.length - 1];
    const atStart = own.anchor.kind === 'start' && own.skip === 0;
    const atEnd = own.anchor.kind === 'end' && own.skip === 0;
    return {
      ...itemsAndHints(
        taken,
        (entry) => entry.campaign,
        (entry) => hintOf(entry.segment, entry.index, direction),
        (entry) => hintOf(entry.segment, entry.index + 1, direction),
        (previous, next) => previous.segment === next.segment && previous.index + 1 === next.index,
      ),
      total: await this.total(segments, knownTotal),
      moreBefore:
        (direction === 'backward' && located.length > taken.length) ||
        (first === undefined ? !atStart : first.page.hasPrevious),
      moreAfter:
        (direction === 'forward' && located.length > taken.length) ||
        (last === undefined ? !atEnd : last.page.hasMore),
    };
  }

  /** The pages around the position, in list order. */
  private async segmentsFor(
    boundary: Boundary | null,
    { anchor, skip }: CursorHint,
    count: number,
    direction: 'forward' | 'backward',
  ): Promise<Segment[]> {
    const forward = direction === 'forward';
    if (boundary === null) {
      // The start of a forward walk, or the end of a backward one; nothing lies beyond the other edge.
      if (forward !== (anchor.kind === 'start')) return [];
      return [await this.page(anchor, forward ? 'next' : 'previous', count)];
    }
    const beyond = (campaign: Campaign) => isBeyond(campaign, boundary, direction, this.idOrder);
    // Is the anchor on the side the read comes from (so reading away from it covers the position)?
    const behind = forward
      ? anchor.kind === 'start' || (anchor.kind === 'cursor' && skip >= 0)
      : anchor.kind === 'end' || (anchor.kind === 'cursor' && skip <= 0);
    if (behind) {
      return this.walk(anchor, forward ? 'next' : 'previous', Math.abs(skip) + count, count, beyond);
    }
    // The anchor lies beyond the position: read back toward it until a campaign at or before the boundary
    // shows nothing in between was missed, then on from the anchor if that was not enough.
    const toward = await this.walkToward(anchor, forward ? 'previous' : 'next', Math.abs(skip) + 1, beyond);
    const found = countBeyond(toward, beyond);
    if (found >= count || anchor.kind === 'start' || anchor.kind === 'end') return toward;
    const onward = await this.walk(
      anchor,
      forward ? 'next' : 'previous',
      count - found,
      count - found,
      beyond,
    );
    return forward ? [...toward, ...onward] : [...onward, ...toward];
  }

  /** Pages away from `anchor` until `count` campaigns beyond the boundary are read or the list ends. */
  private async walk(
    anchor: Anchor,
    direction: 'next' | 'previous',
    firstSize: number,
    count: number,
    beyond: (campaign: Campaign) => boolean,
  ): Promise<Segment[]> {
    const segments: Segment[] = [];
    let from: Anchor | null = anchor;
    let size = firstSize;
    let found = 0;
    for (let calls = 0; calls < MAX_CALLS; calls++) {
      const segment = await this.page(from, direction, Math.min(MAX_PAGE, Math.max(1, size)));
      if (direction === 'next') segments.push(segment);
      else segments.unshift(segment);
      found += countBeyond([segment], beyond);
      const further = direction === 'next' ? segment.page.hasMore : segment.page.hasPrevious;
      if (found >= count || !further) return segments;
      from = direction === 'next' ? segment.after : segment.before;
      if (from === null) throw this.missingCursor();
      // Until the boundary is crossed, how much lies before it is unknown (campaigns created above it).
      size = found === 0 ? MAX_PAGE : count - found;
    }
    throw this.movedTooFast();
  }

  /** Pages from `anchor` toward the position until a campaign not beyond the boundary, or the list's edge. */
  private async walkToward(
    anchor: Anchor,
    direction: 'next' | 'previous',
    firstSize: number,
    beyond: (campaign: Campaign) => boolean,
  ): Promise<Segment[]> {
    const segments: Segment[] = [];
    let from: Anchor | null = anchor;
    let size = firstSize;
    for (let calls = 0; calls < MAX_CALLS; calls++) {
      const segment = await this.page(from, direction, Math.min(MAX_PAGE, Math.max(1, size)));
      if (direction === 'next') segments.push(segment);
      else segments.unshift(segment);
      const reached = segment.page.entries.some((campaign) => campaign !== null && !beyond(campaign));
      const further = direction === 'next' ? segment.page.hasMore : segment.page.hasPrevious;
      if (reached || !further) return segments;
      from = direction === 'next' ? segment.after : segment.before;
      if (from === null) throw this.missingCursor();
      size = MAX_PAGE;
    }
    throw this.movedTooFast();
  }

  private async page(anchor: Anchor, direction: 'next' | 'previous', pageSize: number): Promise<Segment> {
    const page = await this.fetchPage({
      cursor: anchor.kind === 'cursor' ? anchor.cursor : null,
      direction,
      pageSize: this.alignedPageSize ?? pageSize,
    });
    // The page's own cursors sit right at its first and last campaigns; the one it was read from may sit
    // further away (before a campaign beyond the page), so it is used only when the provider sent none.
    return direction === 'next'
      ? { page, before: previousAnchor(page) ?? anchor, after: nextAnchor(page) }
      : { page, before: previousAnchor(page), after: nextAnchor(page) ?? anchor };
  }

  /** Some providers count only on the first page; a walk carries that count forward in its cursor. */
  private async total(segments: readonly Segment[], knownTotal: number | null): Promise<number> {
    for (const { page } of segments) {
      if (page.totalCount !== null) return page.totalCount;
    }
    if (knownTotal !== null) return knownTotal;
    const first = await this.fetchPage({ cursor: null, direction: 'next', pageSize: 1 });
    return first.totalCount ?? 0;
  }

  private movedTooFast(): UpstreamUnavailableError {
    return new UpstreamUnavailableError(
      this.provider,
      'its list changed faster than the gateway could page through it. Request the page again.',
    );
  }

  private missingCursor(): UpstreamBadResponseError {
    return new UpstreamBadResponseError(this.provider, 'sent a page without the cursor needed to continue.');
  }

  private own(hint: StreamHint): CursorHint {
    if (hint.kind === 'cursor.hint') return hint as CursorHint;
    throw new Error(`a cursor stream was given a ${hint.kind} hint; decodeHint should have refused it`);
  }
}

function countBeyond(segments: readonly Segment[], beyond: (campaign: Campaign) => boolean): number {
  let found = 0;
  for (const { page } of segments) {
    for (const campaign of page.entries) if (campaign !== null && beyond(campaign)) found++;
  }
  return found;
}

function nextAnchor(page: CursorPage): Anchor | null {
  if (page.nextCursor !== null) return { kind: 'cursor', cursor: page.nextCursor };
  return page.hasMore ? null : END;
}

function previousAnchor(page: CursorPage): Anchor | null {
  if (page.previousCursor !== null) return { kind: 'cursor', cursor: page.previousCursor };
  return page.hasPrevious ? null : START;
}

/**
 * A hint for the position between entries[index - 1] and entries[index]. Forward reads express it from the
 * anchor before the page (a positive skip, so the next forward page is one call); backward reads from the
 * anchor after it (a negative skip, for the same reason backwards).
 */
function hintOf(segment: Segment, index: number, direction: 'forward' | 'backward'): CursorHint {
  const length = segment.page.entries.length;
  const fromBefore = segment.before === null ? null : at(segment.before, index);
  const fromAfter = segment.after === null ? null : at(segment.after, index - length);
  const preferred =
    direction === 'forward'
      ? index === length && fromAfter !== null
        ? fromAfter
        : (fromBefore ?? fromAfter)
      : index === 0 && fromBefore !== null
        ? fromBefore
        : (fromAfter ?? fromBefore);
  // A page without usable anchors (none given, or more entries than asked for): the start is a hint too.
  return preferred ?? hintAt(START, 0);
}

function at(anchor: Anchor, skip: number): CursorHint | null {
  // A skip past what one page can reach is no use as a hint; the other anchor is closer.
  if (Math.abs(skip) > MAX_PAGE) return null;
  if (anchor.kind === 'start' && skip < 0) return null;
  if (anchor.kind === 'end' && skip > 0) return null;
  return hintAt(anchor, skip);
}
