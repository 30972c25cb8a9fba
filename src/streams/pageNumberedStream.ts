// One file on purpose (about 540 lines): locating a walk in a moving page-numbered list is one algorithm
// (window, widening, keyset read, scan) whose steps share the window and its verdicts; split, each piece
// would need the others' invariants restated.
import { z } from 'zod';
import type { Campaign, Provider } from '../domain/campaign.js';
import type { ItemIssue } from '../domain/itemIssue.js';
import { UpstreamUnavailableError } from '../errors.js';
import { type Boundary, type IdOrder, isBeyond } from '../pagination/order.js';
import { overlappingCover, type PageCall } from '../pagination/pageCover.js';
import {
  type CampaignStream,
  type HintWire,
  IssueLog,
  itemsAndHints,
  type StreamHint,
  type StreamRead,
  type StreamReadRequest,
} from './stream.js';

/** One page request; the bounds narrow the list to a keyset around a boundary. */
export interface NumberedCall extends PageCall {
  /** Only campaigns created at or before this instant (epoch ms). */
  createdAtMost?: number;
  /** Only campaigns created at or after this instant (epoch ms). */
  createdAtLeast?: number;
  /** Set: the answer must be a snapshot taken now, not a cached one. */
  now?: true;
}

export interface NumberedPage {
  totalCount: number;
  entries: (Campaign | null)[];
  /** Entries that failed validation (null in `entries`), for the response's errors. */
  issues?: readonly ItemIssue[];
}

/**
 * Whether a provider's createdAt bounds can be trusted to be inclusive. One per provider client, shared by
 * its streams: the first answer that breaks the promise turns keyset reads off for the process, and reads
 * fall back to scanning offsets.
 */
export class KeysetTrust {
  trusted = true;
}

export interface PageNumberedStreamOptions {
  key: string;
  provider: Provider;
  idOrder: IdOrder;
  fetchPage: (call: NumberedCall) => Promise<NumberedPage>;
  /** Null when the provider cannot bound a list by createdAt. */
  keyset: KeysetTrust | null;
  /**
   * Read whole pages of this size at their own page numbers, so that readers at nearby places ask the
   * provider the same requests (which a shared cache then answers once). Absent: the least over-fetch.
   */
  alignedPageSize?: number | undefined;
}

interface OffsetHint extends StreamHint {
  readonly kind: 'page.offset';
  /** Campaigns before the position. */
  readonly offset: number;
}
interface EndHint extends StreamHint {
  readonly kind: 'page.end';
  readonly back: number;
}
type PageHint = OffsetHint | EndHint;

interface Slot {
  /** In the list the call read: the whole list, or a keyset of it. */
  offset: number;
  campaign: Campaign;
}

/** The createdAt bounds of a keyset list; empty for the whole list. */
type Bounds = Pick<NumberedCall, 'createdAtMost' | 'createdAtLeast'>;

interface Window {
  from: number;
  to: number;
  slots: Slot[];
  total: number;
  bounds: Bounds;
}

const MAX_PAGE = 100;
/** Campaigns created at the boundary's instant that a keyset read may return again; ties are rare. */
const TIE_MARGIN = 4;
/** Extra reads one stream may make when its list moved, before the page reports it as unavailable. */
const MAX_RELOCATIONS = 6;
/** Reads of one range whose calls disagree at their overlap, before the page reports it as unavailable. */
const SNAPSHOT_ATTEMPTS = 3;

const offsetHint = (offset: number): OffsetHint => ({ kind: 'page.offset', offset });
const endHint: EndHint = { kind: 'page.end', back: 0 };
const count = z.int().min(0);
const wire = z.union([count, z.tuple([z.literal('e'), count])]);

/**
 * A list behind a page-numbered API (page, pageSize). A position is the boundary key of the walk plus an
 * offset hint. Every read fetches one campaign more than it needs, on the side it came from: finding a
 * campaign at or above the boundary there proves nothing was skipped, and campaigns at or above it are
 * dropped, so a list that grew or shrank above the position costs at most a second read: a keyset read
 * bounded by the boundary's createdAt when the provider offers one, else a wider window.
 */
export class PageNumberedStream implements CampaignStream {
  readonly start: StreamHint = offsetHint(0);
  readonly end: StreamHint = endHint;
  readonly key: string;
  readonly provider: Provider;
  readonly idOrder: IdOrder;
  /** As given, called through `fetchPage`: "Constructors make no closures" in stream.ts says why. */
  private readonly fetchPageOption: (call: NumberedCall) => Promise<NumberedPage>;
  private readonly issues = new IssueLog();
  private readonly keyset: KeysetTrust | null;
  private readonly alignedPageSize: number | undefined;

  constructor(options: PageNumberedStreamOptions) {
    this.alignedPageSize = options.alignedPageSize;
    this.key = options.key;
    this.provider = options.provider;
    this.idOrder = options.idOrder;
    this.fetchPageOption = options.fetchPage;
    this.keyset = options.keyset;
  }

  /** Every page a read fetches goes through here, so that its skipped items are noted for that read. */
  private fetchPage(call: NumberedCall): Promise<NumberedPage> {
    return this.fetchPageOption(call).then((page) => this.issues.note(page));
  }

  retreat(hint: StreamHint): StreamHint {
    const own = this.own(hint);
    return own.kind === 'page.offset' ? offsetHint(Math.max(0, own.offset - 1)) : own;
  }

  encodeHint(hint: StreamHint): HintWire {
    const own = this.own(hint);
    return own.kind === 'page.offset' ? own.offset : ['e', own.back];
  }

  decodeHint(raw: unknown, bounded: boolean): StreamHint | null {
    const parsed = wire.safeParse(raw);
    if (!parsed.success) return null;
    if (typeof parsed.data === 'number') return bounded || parsed.data === 0 ? offsetHint(parsed.data) : null;
    // The end is where a backward walk starts, and where a stream stays while it has shown nothing.
    return parsed.data[1] === 0 ? this.end : null;
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
    if (boundary === null) return this.readExact(own, count, direction, knownTotal);
    let total = knownTotal;
    if (own.kind === 'page.end' || count === 0) {
      total ??= (await this.fetchPage({ page: 1, pageSize: 1 })).totalCount;
    }
    const offset = own.kind === 'page.offset' ? own.offset : Math.max(0, (total ?? 0) - own.back);
    if (count === 0) return emptyRead(total ?? 0, offset > 0, offset < (total ?? 0));
    return this.locate(boundary, offset, count, direction);
  }

  /**
   * Reads the window the hint points at, then goes to wherever the boundary went: by a keyset read bounded by
   * the boundary's createdAt (when the provider offers one and has kept its promise), else by doubling
   * windows. A list that moves further than that between two pages is reported as unavailable rather than
   * guessed at.
   */
  private async locate(
    boundary: Boundary,
    offset: number,
    count: number,
    direction: 'forward' | 'backward',
  ): Promise<StreamRead> {
    const window =
      direction === 'forward'
        ? await this.fetchRange(Math.max(0, offset - 1), offset + count)
        : await this.fetchRange(Math.max(0, offset - count - 1), offset + 1);
    let span = count + 1;
    for (let attempt = 0; attempt < MAX_RELOCATIONS; attempt++) {
      const verdict = judge(window, boundary, direction, count, this.idOrder);
      if (verdict.kind === 'found') {
        return direction === 'forward'
          ? forwardRead(verdict.past, count, window.total)
          : backwardRead(verdict.past, count, window.total);
      }
      if (verdict.kind === 'short') {
        // Located, but campaigns created above (forward) or deleted above (backward) moved the rest along.
        const need = count - verdict.past.length;
        await this.extend(window, direction === 'forward' ? window.to + need : window.from - need);
        continue;
      }
      if (this.keyset?.trusted === true) {
        const read =
          direction === 'forward'
            ? await this.keysetForward(boundary, count, window.total)
            : await this.keysetBackward(boundary, offset, count, window.total);
        if (read !== null) return read;
      }
      await this.extend(window, verdict.kind === 'above' ? window.from - span : window.to + span);
      span *= 2;
    }
    throw this.movedTooFast();
  }

  /**
   * The campaigns after the boundary, read as the first campaigns of the list up to its createdAt. Offsets in
   * that keyset list map back to the whole list's by the difference of the totals, a hint again. Null when
   * the provider broke the bound.
   */
  private async keysetForward(boundary: Boundary, count: number, total: number): Promise<StreamRead | null> {
    const bounds = { createdAtMost: boundary.key.createdAtMs };
    const window = await this.fetchRange(0, Math.min(MAX_PAGE, count + TIE_MARGIN), bounds);
    for (let attempt = 0; ; attempt++) {
      if (!this.keptBound(window.slots, (at) => at <= boundary.key.createdAtMs)) return null;
      const past = window.slots.filter((slot) => isBeyond(slot.campaign, boundary, 'forward', this.idOrder));
      if (past.length >= count || window.to >= window.total) {
        const shift = Math.max(0, total - window.total);
        const moved = past.map((slot) => ({ offset: slot.offset + shift, campaign: slot.campaign }));
        return forwardRead(moved, count, shift + window.total);
      }
      // More campaigns share the boundary's instant than the margin allowed for.
      if (attempt >= MAX_RELOCATIONS) throw this.movedTooFast();
      await this.extend(window, window.to + (count - past.length) + TIE_MARGIN * 2 ** attempt);
    }
  }

  /**
   * The campaigns before the boundary, read as the last campaigns of the list from its createdAt on. That list
   * is the whole list cut below the boundary, so its offsets are the whole list's, and the boundary sits near
   * `offset`, the hint. Null when the provider broke the bound.
   */
  private async keysetBackward(
    boundary: Boundary,
    offset: number,
    count: number,
    total: number,
  ): Promise<StreamRead | null> {
    const bounds = { createdAtLeast: boundary.key.createdAtMs };
    // The boundary lies below the hint (else the window would have found it): reach as far below it as one
    // widening would, within one call.
    const from = Math.max(0, offset - count - TIE_MARGIN);
    const below = Math.max(TIE_MARGIN, Math.min(count + 1 + TIE_MARGIN, MAX_PAGE - (offset - from)));
    let window = await this.fetchRange(from, offset + below, bounds);
    for (let attempt = 0; ; attempt++) {
      if (!this.keptBound(window.slots, (at) => at >= boundary.key.createdAtMs)) return null;
      const past = window.slots.filter((slot) => isBeyond(slot.campaign, boundary, 'backward', this.idOrder));
      const reachesEnd = window.to >= window.total;
      if (reachesEnd && (past.length >= count || window.from === 0)) {
        return backwardRead(past, count, Math.max(total, window.total));
      }
      if (attempt >= MAX_RELOCATIONS) throw this.movedTooFast();
      if (!reachesEnd) {
        // The list above the boundary grew past the hint: its end is now known from the total.
        window = await this.fetchRange(
          Math.max(0, window.total - count - 2 * TIE_MARGIN),
          window.total,
          bounds,
        );
      } else {
        // More campaigns share the boundary's instant than the margin allowed for.
        await this.extend(window, window.from - (count - past.length) - TIE_MARGIN * 2 ** attempt);
      }
    }
  }

  /** False, and keyset reads off from now on, when a bounded answer holds a campaign outside its bound. */
  private keptBound(slots: readonly Slot[], within: (createdAtMs: number) => boolean): boolean {
    if (slots.every((slot) => within(slot.campaign.createdAt.getTime()))) return true;
    if (this.keyset !== null) this.keyset.trusted = false;
    return false;
  }

  /** Exact positions: the start or end of the list, before a walk has shown anything. */
  private async readExact(
    hint: PageHint,
    count: number,
    direction: 'forward' | 'backward',
    knownTotal: number | null,
  ): Promise<StreamRead> {
    let total = knownTotal;
    let probe: { call: PageCall; page: NumberedPage } | null = null;
    if (hint.kind === 'page.end' && total === null) {
      // The end is only known from a total; ask for the first page big enough that a short list needs no
      // second call.
      const call = { page: 1, pageSize: Math.min(MAX_PAGE, Math.max(1, count + hint.back)) };
      probe = { call, page: await this.fetchPage(call) };
      total = probe.page.totalCount;
    }
    for (let attempt = 0; ; attempt++) {
      const offset = hint.kind === 'page.offset' ? hint.offset : Math.max(0, (total ?? 0) - hint.back);
      const [from, to] =
        direction === 'forward'
          ? [offset, total === null ? offset + count : Math.min(total, offset + count)]
          : [Math.max(0, offset - count), offset];
      if (to <= from) {
        total ??= (await this.fetchPage({ page: 1, pageSize: 1 })).totalCount;
        return emptyRead(total, from > 0, from < total);
      }
      const window =
        probe !== null && covers(probe.call, from, to)
          ? windowOf(from, to, [probe], {})
          : await this.fetchRange(from, to);
      // The end moved between the call that found it and the call that read there: read at the new end.
      if (hint.kind === 'page.end' && window.total !== total && attempt < MAX_RELOCATIONS) {
        total = window.total;
        probe = null;
        continue;
      }
      const read = direction === 'forward' ? forwardRead : backwardRead;
      return read(window.slots, count, window.total);
    }
  }

  /**
   * The valid campaigns of [from, to), as one snapshot. A range that needs more than one call is read by calls
   * that overlap, and the calls must agree where they overlap: answers given at different moments (a cache
   * in front, or a change between two calls) that disagree are read again from the provider, so no campaign
   * falls between two pages. Equal totals would not prove it: a campaign leaving above the seam and one
   * arriving below it keep the total.
   */
  private async fetchRange(from: number, to: number, bounds: Bounds = {}): Promise<Window> {
    const calls = this.callsFor(from, to);
    for (let attempt = 0; attempt < SNAPSHOT_ATTEMPTS; attempt++) {
      const now = attempt > 0 ? { now: true as const } : {};
      const pages = await Promise.all(calls.map((call) => this.fetchPage({ ...call, ...bounds, ...now })));
      const answered = calls.flatMap((call, index) => {
        const page = pages[index];
        return page === undefined ? [] : [{ call, page }];
      });
      if (agree(answered, attempt === SNAPSHOT_ATTEMPTS - 1)) return windowOf(from, to, answered, bounds);
    }
    throw this.movedTooFast();
  }

  /**
   * The calls for [from, to): one whole shared page when the range fits in one (so nearby readers ask the
   * same request), else one call when one covers it, else a chain of calls each overlapping the previous.
   */
  private callsFor(from: number, to: number): PageCall[] {
    const shared = this.alignedPageSize;
    if (shared !== undefined && Math.floor(from / shared) === Math.floor((to - 1) / shared))
      return [{ page: Math.floor(from / shared) + 1, pageSize: shared }];
    return overlappingCover(from, to, MAX_PAGE);
  }

  /**
   * Grows `window` in place to reach `edge` (below its start or beyond its end). The new part is read with
   * one campaign of the old part, which must still be where it was; else the whole window is read again.
   */
  private async extend(window: Window, to: number): Promise<void> {
    const edge = Math.max(0, to);
    if (edge < window.from) {
      const more = await this.fetchRange(edge, window.from + 1, window.bounds);
      if (sameAt(more, window, window.from)) {
        window.slots = [...more.slots.filter((slot) => slot.offset < window.from), ...window.slots];
        window.from = edge;
        window.total = more.total;
        return;
      }
      Object.assign(window, await this.fetchRange(edge, window.to, window.bounds));
    } else if (edge > window.to) {
      const seam = window.to - 1;
      const more = await this.fetchRange(Math.max(0, seam), edge, window.bounds);
      if (seam < 0 || sameAt(more, window, seam)) {
        window.slots = [...window.slots, ...more.slots.filter((slot) => slot.offset > seam)];
        window.to = edge;
        window.total = more.total;
        return;
      }
      Object.assign(window, await this.fetchRange(window.from, edge, window.bounds));
    }
  }

  private movedTooFast(): UpstreamUnavailableError {
    return new UpstreamUnavailableError(
      this.provider,
      'its list changed faster than the gateway could page through it. Request the page again.',
    );
  }

  private own(hint: StreamHint): PageHint {
    if (hint.kind === 'page.offset' || hint.kind === 'page.end') return hint as PageHint;
    throw new Error(
      `a page-numbered stream was given a ${hint.kind} hint; decodeHint should have refused it`,
    );
  }
}

type Verdict =
  /** The window holds the campaigns the read needs, or all there are. */
  | { kind: 'found'; past: Slot[] }
  /** The boundary is in the window, but too few campaigns lie beyond it there. */
  | { kind: 'short'; past: Slot[] }
  /** Everything in the window lies beyond the boundary: it moved up, toward the list's start. */
  | { kind: 'above' }
  /** Nothing in the window lies beyond the boundary: it moved down, toward the list's end. */
  | { kind: 'below' };

/**
 * Where the boundary is relative to a window. Forward, a campaign not beyond it at the window's start proves
 * nothing was skipped above; backward, one at the window's end proves the same below.
 */
function judge(
  window: Window,
  boundary: Boundary,
  direction: 'forward' | 'backward',
  count: number,
  idOrder: IdOrder,
): Verdict {
  const { slots } = window;
  const beyond = slots.map((slot) => isBeyond(slot.campaign, boundary, direction, idOrder));
  const atEnd = window.to >= window.total;
  if (direction === 'forward') {
    const first = beyond.indexOf(true);
    if (first === 0 && window.from > 0) return { kind: 'above' };
    if (slots.length === 0 && window.from > 0) return { kind: 'above' };
    if (first < 0 && !atEnd) return { kind: 'below' };
    const past = first < 0 ? [] : slots.filter((_slot, index) => index >= first && beyond[index]);
    return past.length >= count || atEnd ? { kind: 'found', past } : { kind: 'short', past };
  }
  const after = beyond.indexOf(false);
  if (after < 0 && !atEnd) return { kind: 'below' };
  const past = slots.slice(0, after < 0 ? slots.length : after);
  return past.length >= count || window.from === 0 ? { kind: 'found', past } : { kind: 'short', past };
}

/**
 * Whether consecutive calls of a chain show one list: equal totals, and the same campaign at every offset of
 * their overlap that both answered. An overlap of invalid entries proves nothing, accepted only when
 * `lastChance` (it is rarer than a read failing for it would be worth).
 */
function agree(answered: readonly { call: PageCall; page: NumberedPage }[], lastChance: boolean): boolean {
  for (let index = 1; index < answered.length; index++) {
    const before = answered[index - 1];
    const after = answered[index];
    if (before === undefined || after === undefined) continue;
    if (before.page.totalCount !== after.page.totalCount) return false;
    const firstBefore = (before.call.page - 1) * before.call.pageSize;
    const firstAfter = (after.call.page - 1) * after.call.pageSize;
    const overlapEnd = Math.min(
      firstBefore + before.page.entries.length,
      firstAfter + after.page.entries.length,
    );
    let proven = firstAfter >= before.page.totalCount;
    for (let offset = firstAfter; offset < overlapEnd; offset++) {
      const one = before.page.entries[offset - firstBefore];
      const other = after.page.entries[offset - firstAfter];
      if (one == null || other == null) continue;
      if (one.providerId !== other.providerId) return false;
      proven = true;
    }
    if (!proven && !lastChance) return false;
  }
  return true;
}

/** Both windows hold the same campaign at `offset`. */
function sameAt(one: Window, other: Window, offset: number): boolean {
  const mine = one.slots.find((slot) => slot.offset === offset);
  const theirs = other.slots.find((slot) => slot.offset === offset);
  return (
    mine !== undefined && theirs !== undefined && mine.campaign.providerId === theirs.campaign.providerId
  );
}

function windowOf(
  from: number,
  to: number,
  pages: { call: PageCall; page: NumberedPage }[],
  bounds: Bounds,
): Window {
  let total = 0;
  const slots: Slot[] = [];
  // One page has each offset once, in order: only several pages need `filled` and the sort.
  const several = pages.length > 1;
  const filled = several ? new Set<number>() : null;
  const seen = new Set<string>();
  for (const { call, page } of pages) {
    total = page.totalCount;
    const first = (call.page - 1) * call.pageSize;
    const end = Math.min(page.entries.length, to - first);
    for (let index = Math.max(0, from - first); index < end; index++) {
      const campaign = page.entries[index];
      const offset = first + index;
      if (campaign == null || filled?.has(offset) === true || seen.has(campaign.providerId)) continue;
      filled?.add(offset);
      seen.add(campaign.providerId);
      slots.push({ offset, campaign });
    }
  }
  if (several) slots.sort((one, other) => one.offset - other.offset);
  return { from, to, slots, total, bounds };
}

function covers(call: PageCall, from: number, to: number): boolean {
  const first = (call.page - 1) * call.pageSize;
  return first <= from && first + call.pageSize >= to;
}

function emptyRead(total: number, moreBefore: boolean, moreAfter: boolean): StreamRead {
  return { items: [], hintBefore: [], hintAfter: [], total, moreBefore, moreAfter };
}

function toRead(taken: readonly Slot[], total: number, moreBefore: boolean, moreAfter: boolean): StreamRead {
  return {
    ...itemsAndHints(
      taken,
      (slot) => slot.campaign,
      (slot) => offsetHint(slot.offset),
      (slot) => offsetHint(slot.offset + 1),
      (previous, next) => previous.offset + 1 === next.offset,
    ),
    total,
    moreBefore,
    moreAfter,
  };
}

/** The first `count` of `past`, a run of campaigns beyond the position in list order. */
function forwardRead(past: readonly Slot[], count: number, total: number): StreamRead {
  const taken = past.slice(0, count);
  const last = taken[taken.length - 1];
  const firstOffset = taken[0]?.offset ?? 0;
  const moreAfter = past.length > count || (last === undefined ? false : last.offset + 1 < total);
  return toRead(taken, total, firstOffset > 0, moreAfter);
}

/** The last `count` of `past`, a run of campaigns before the position in list order. */
function backwardRead(past: readonly Slot[], count: number, total: number): StreamRead {
  const taken = past.slice(Math.max(0, past.length - count));
  const first = taken[0];
  const moreBefore = past.length > count || (first === undefined ? false : first.offset > 0);
  const last = taken[taken.length - 1];
  return toRead(taken, total, moreBefore, last === undefined ? false : last.offset + 1 < total);
}
