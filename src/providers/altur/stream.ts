import type { Campaign, Provider } from '../../domain/campaign.js';
import { UpstreamBadResponseError } from '../../errors.js';
import type { StreamPosition } from '../../pagination/cursor.js';
import type { CampaignStream, StreamRead, StreamReadRequest } from '../provider.js';

/** A place in a cursor-paginated list that the provider can start a page from. */
type Anchor = { kind: 'start' } | { kind: 'end' } | { kind: 'cursor'; cursor: string };

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
}

/** One call's answer, with the anchors just before its first and just after its last item where known. */
interface Segment {
  page: CursorPage;
  before: Anchor | null;
  after: Anchor | null;
  /** The slice of `page.entries` this read uses. */
  from: number;
  to: number;
}

const MAX_PAGE = 100;
const START: Anchor = { kind: 'start' };
const END: Anchor = { kind: 'end' };

/**
 * A list behind a cursor-paginated API (cursor + direction) whose cursors sit between two items and work in
 * both directions. A position is an anchor the provider gave us plus a small signed skip, so reading a page
 * after it is one call (`pageSize = skip + count`) and at most two; a second call first re-anchors on the
 * exact position so the next page is one call again.
 */
export class CursorStream implements CampaignStream {
  readonly start: StreamPosition = { kind: 'start', skip: 0 };
  readonly end: StreamPosition = { kind: 'end', back: 0 };

  constructor(
    readonly key: string,
    readonly provider: Provider,
    private readonly fetchPage: (call: CursorCall) => Promise<CursorPage>,
  ) {}

  accepts(position: StreamPosition): boolean {
    switch (position.kind) {
      case 'start':
        return position.skip >= 0 && position.skip <= MAX_PAGE;
      case 'end':
        return position.back >= 0 && position.back <= MAX_PAGE;
      case 'cursor':
        return Math.abs(position.skip) <= MAX_PAGE;
      case 'offset':
        return false;
    }
  }

  async read({ position, count, direction, knownTotal }: StreamReadRequest): Promise<StreamRead> {
    const segments =
      direction === 'forward'
        ? await this.readAfter(position, count)
        : await this.readBefore(position, count);
    const total = await this.total(segments, knownTotal);
    const read: StreamRead = {
      items: [],
      positionBefore: [],
      positionAfter: [],
      total,
      moreBefore: false,
      moreAfter: false,
    };
    for (const segment of segments) {
      for (let index = segment.from; index < segment.to; index++) {
        const campaign = segment.page.entries[index];
        if (campaign === undefined || campaign === null) continue;
        read.items.push(campaign);
        read.positionBefore.push(positionAt(segment, index, direction));
        read.positionAfter.push(positionAt(segment, index + 1, direction));
      }
    }
    const first = segments[0];
    const last = segments[segments.length - 1];
    read.moreBefore =
      first === undefined ? position.kind !== 'start' || position.skip > 0 : moreBefore(first);
    read.moreAfter = last === undefined ? position.kind !== 'end' || position.back > 0 : moreAfter(last);
    return read;
  }

  private async readAfter(position: StreamPosition, count: number): Promise<Segment[]> {
    if (count === 0) return [];
    const { anchor, skip } = anchorOf(position);
    if (anchor.kind === 'end') {
      // `skip` items before the end: the list's last page holds them.
      if (skip === 0) return [];
      const page = await this.call(anchor, 'previous', -skip);
      return [segment(page, previousAnchor(page), END, 0, Math.min(count, page.entries.length))];
    }
    if (skip < 0) {
      // Some items before the anchor, then possibly some after it.
      const back = -skip;
      const earlier = await this.call(anchor, 'previous', back);
      const segments = [
        segment(earlier, previousAnchor(earlier), anchor, 0, Math.min(count, earlier.entries.length)),
      ];
      if (count > back) {
        const later = await this.call(anchor, 'next', count - back);
        segments.push(segment(later, anchor, nextAnchor(later), 0, later.entries.length));
      }
      return segments;
    }
    if (skip + count <= MAX_PAGE) {
      const page = await this.call(anchor, 'next', skip + count);
      return [segment(page, anchor, nextAnchor(page), skip, page.entries.length)];
    }
    const { exact, crossed } = await this.reanchor(anchor, 'next', skip);
    // The skip ran to the end of the list: nothing after, which the crossed page (read up to its end) says.
    if (exact.kind === 'end') {
      return [segment(crossed, anchor, END, crossed.entries.length, crossed.entries.length)];
    }
    const page = await this.call(exact, 'next', count);
    return [segment(page, exact, nextAnchor(page), 0, page.entries.length)];
  }

  private async readBefore(position: StreamPosition, count: number): Promise<Segment[]> {
    if (count === 0) return [];
    const { anchor, skip } = anchorOf(position);
    if (anchor.kind === 'start') {
      if (skip === 0) return [];
      const page = await this.call(anchor, 'next', skip);
      const length = page.entries.length;
      return [segment(page, START, nextAnchor(page), Math.max(0, length - count), length)];
    }
    if (skip > 0) {
      if (skip >= count) {
        const page = await this.call(anchor, 'next', skip);
        const length = page.entries.length;
        return [segment(page, anchor, nextAnchor(page), Math.max(0, length - count), length)];
      }
      const [earlier, later] = await Promise.all([
        this.call(anchor, 'previous', count - skip),
        this.call(anchor, 'next', skip),
      ]);
      return [
        segment(earlier, previousAnchor(earlier), anchor, 0, earlier.entries.length),
        segment(later, anchor, nextAnchor(later), 0, later.entries.length),
      ];
    }
    const back = -skip;
    if (back + count <= MAX_PAGE) {
      const page = await this.call(anchor, 'previous', back + count);
      const length = page.entries.length;
      return [segment(page, previousAnchor(page), anchor, 0, Math.max(0, length - back))];
    }
    const { exact, crossed } = await this.reanchor(anchor, 'previous', back);
    // The skip ran back to the start of the list: nothing before, which the crossed page says.
    if (exact.kind === 'start') return [segment(crossed, START, anchor, 0, 0)];
    const page = await this.call(exact, 'previous', count);
    return [segment(page, previousAnchor(page), exact, 0, page.entries.length)];
  }

  /**
   * The anchor exactly `distance` items from `anchor`, found by reading the page in between (`crossed`, whose
   * items are not used, but which tells whether the list goes on past it).
   */
  private async reanchor(
    anchor: Anchor,
    direction: 'next' | 'previous',
    distance: number,
  ): Promise<{ exact: Anchor; crossed: CursorPage }> {
    const crossed = await this.call(anchor, direction, distance);
    const exact = direction === 'next' ? nextAnchor(crossed) : previousAnchor(crossed);
    if (exact === null) {
      throw new UpstreamBadResponseError(this.provider, 'sent a page without the cursor needed to continue.');
    }
    return { exact, crossed };
  }

  private call(anchor: Anchor, direction: 'next' | 'previous', pageSize: number): Promise<CursorPage> {
    return this.fetchPage({ cursor: anchor.kind === 'cursor' ? anchor.cursor : null, direction, pageSize });
  }

  /** Altur may count only on the first page; a walk carries that count forward in its cursor. */
  private async total(segments: readonly Segment[], knownTotal: number | null): Promise<number> {
    for (const { page } of segments) {
      if (page.totalCount !== null) return page.totalCount;
    }
    if (knownTotal !== null) return knownTotal;
    const first = await this.fetchPage({ cursor: null, direction: 'next', pageSize: 1 });
    return first.totalCount ?? 0;
  }
}

function segment(
  page: CursorPage,
  before: Anchor | null,
  after: Anchor | null,
  from: number,
  to: number,
): Segment {
  return { page, before, after, from, to };
}

function nextAnchor(page: CursorPage): Anchor | null {
  if (page.nextCursor !== null) return { kind: 'cursor', cursor: page.nextCursor };
  return page.hasMore ? null : END;
}

function previousAnchor(page: CursorPage): Anchor | null {
  if (page.previousCursor !== null) return { kind: 'cursor', cursor: page.previousCursor };
  return page.hasPrevious ? null : START;
}

function moreBefore(segment: Segment): boolean {
  return segment.from > 0 || segment.page.hasPrevious;
}

function moreAfter(segment: Segment): boolean {
  return segment.to < segment.page.entries.length || segment.page.hasMore;
}

function anchorOf(position: StreamPosition): { anchor: Anchor; skip: number } {
  switch (position.kind) {
    case 'start':
      return { anchor: START, skip: position.skip };
    case 'end':
      return { anchor: END, skip: -position.back };
    case 'cursor':
      return { anchor: { kind: 'cursor', cursor: position.cursor }, skip: position.skip };
    case 'offset':
      throw new Error('a cursor stream was given an offset; accepts() should have refused it');
  }
}

/**
 * The position between entries[index - 1] and entries[index]. Forward reads express it from the anchor
 * before the page (a positive skip, so the next forward page is one call); backward reads from the anchor
 * after it (a negative skip, for the same reason backwards).
 */
function positionAt(segment: Segment, index: number, direction: 'forward' | 'backward'): StreamPosition {
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
  if (preferred === null) throw new Error('a page with neither anchor cannot be positioned');
  return preferred;
}

function at(anchor: Anchor, skip: number): StreamPosition {
  switch (anchor.kind) {
    case 'start':
      return { kind: 'start', skip };
    case 'end':
      return { kind: 'end', back: -skip };
    case 'cursor':
      return { kind: 'cursor', cursor: anchor.cursor, skip };
  }
}
