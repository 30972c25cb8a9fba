import { expect } from 'vitest';
import type { Campaign, CampaignStatus, Provider } from '../../../src/domain/campaign.js';
import { UpstreamUnavailableError } from '../../../src/errors.js';
import {
  type Boundary,
  compareKeys,
  descendingDecimal,
  descendingText,
  type IdOrder,
  isBeyond,
  keyOf,
} from '../../../src/pagination/order.js';
import type { AlturCampaign } from '../../../src/providers/altur/campaign.js';
import type { AuralytikCampaign } from '../../../src/providers/auralytik/campaign.js';
import type { CursorCall, CursorPage } from '../../../src/streams/cursorStream.js';
import type { NumberedCall, NumberedPage } from '../../../src/streams/pageNumberedStream.js';
import type { CampaignStream, StreamHint } from '../../../src/streams/stream.js';

/** The tie orders the two providers really use (see src/providers/{altur,auralytik}/index.ts). */
export const TIE_ORDER = { ALTUR: descendingDecimal, AURALYTIK: descendingText } as const;

export function tieOrder(provider: Provider): IdOrder {
  if (provider === 'ALTUR' || provider === 'AURALYTIK') return TIE_ORDER[provider];
  throw new Error(`no tie order for ${provider}`);
}

/** A campaign where only provider, providerId, createdAt (and status, for filters) matter. */
export function campaign(
  provider: Provider,
  providerId: string,
  createdAtMs: number,
  status: CampaignStatus = 'RUNNING',
): Campaign {
  const common = {
    providerId,
    name: `campaign ${providerId}`,
    description: null,
    status,
    providerStatus: status.toLowerCase(),
    channel: null,
    createdAt: new Date(createdAtMs),
  };
  if (provider === 'ALTUR') {
    const altur: AlturCampaign = {
      ...common,
      provider,
      agent: null,
      timezone: null,
      schedule: null,
      retries: null,
      concurrency: null,
      archived: false,
      template: null,
      firstMessage: null,
      cycle: null,
    };
    return altur;
  }
  const auralytik: AuralytikCampaign = {
    ...common,
    provider: 'AURALYTIK',
    type: 'VOICE_BOT',
    channelType: null,
    startDate: null,
    endDate: null,
  };
  return auralytik;
}

/** `ms` as seconds after a fixed instant, so tables stay readable. */
export const T0 = Date.UTC(2026, 0, 1);
export const at = (seconds: number) => T0 + seconds * 1000;

/** A mutable set of campaigns of several providers; every list is read sorted in the merged order. */
export class FakeStore {
  private readonly byId = new Map<string, Campaign>();

  constructor(campaigns: readonly Campaign[] = []) {
    for (const item of campaigns) this.add(item);
  }

  add(item: Campaign): void {
    const id = idOf(item);
    if (this.byId.has(id)) throw new Error(`duplicate campaign ${id}`);
    this.byId.set(id, item);
  }

  delete(provider: Provider, providerId: string): void {
    if (!this.byId.delete(`${provider}:${providerId}`)) throw new Error(`no campaign ${providerId}`);
  }

  setStatus(provider: Provider, providerId: string, status: CampaignStatus): void {
    const id = `${provider}:${providerId}`;
    const found = this.byId.get(id);
    if (found === undefined) throw new Error(`no campaign ${providerId}`);
    this.byId.set(id, { ...found, status });
  }

  all(): Campaign[] {
    return [...this.byId.values()].sort(byMergedOrder);
  }

  list(matches: (item: Campaign) => boolean): Campaign[] {
    return this.all().filter(matches);
  }

  get size(): number {
    return this.byId.size;
  }
}

export const idOf = (item: Campaign) => `${item.provider}:${item.providerId}`;

export function byMergedOrder(a: Campaign, b: Campaign): number {
  return compareKeys(keyOf(a), keyOf(b), tieOrder(a.provider));
}

export interface FakeApiOptions {
  /** Which campaigns the upstream query returns. @default every campaign of the provider */
  matches?: (item: Campaign) => boolean;
  /** Throws an UpstreamUnavailableError instead of answering while this returns true. */
  failing?: () => boolean;
  /** Cursor APIs: characters of padding in every cursor, as a provider with large cursors sends. @default 0 */
  cursorPadding?: number;
}

/**
 * A page-numbered API (page, pageSize, totalCount) with inclusive createdAt bounds. `breakBounds` makes it
 * ignore the bounds, as a provider would whose `dateTo`/`dateFrom` mean something else.
 */
export class FakePageApi {
  readonly calls: NumberedCall[] = [];
  breakBounds = false;

  constructor(
    private readonly store: FakeStore,
    readonly provider: Provider,
    private readonly options: FakeApiOptions = {},
  ) {}

  readonly fetchPage = async (call: NumberedCall): Promise<NumberedPage> => {
    this.calls.push(call);
    if (this.options.failing?.() === true) {
      throw new UpstreamUnavailableError(this.provider, 'the fake is down.');
    }
    const matches = this.options.matches ?? (() => true);
    let list = this.store.list((item) => item.provider === this.provider && matches(item));
    if (!this.breakBounds) {
      const { createdAtMost, createdAtLeast } = call;
      if (createdAtMost !== undefined)
        list = list.filter((item) => item.createdAt.getTime() <= createdAtMost);
      if (createdAtLeast !== undefined)
        list = list.filter((item) => item.createdAt.getTime() >= createdAtLeast);
    }
    const from = (call.page - 1) * call.pageSize;
    return { totalCount: list.length, entries: list.slice(from, from + call.pageSize) };
  };

  resetCalls(): void {
    this.calls.length = 0;
  }
}

/**
 * A cursor API whose cursors are positions between two items, spelled by the key of the item on one side
 * (so they survive deletions), valid in both directions; `totalCount` only on the first page.
 */
export class FakeCursorApi {
  readonly calls: CursorCall[] = [];

  constructor(
    private readonly store: FakeStore,
    readonly provider: Provider,
    private readonly options: FakeApiOptions = {},
  ) {}

  readonly fetchPage = async (call: CursorCall): Promise<CursorPage> => {
    this.calls.push(call);
    if (this.options.failing?.() === true) {
      throw new UpstreamUnavailableError(this.provider, 'the fake is down.');
    }
    const matches = this.options.matches ?? (() => true);
    const list = this.store.list((item) => item.provider === this.provider && matches(item));
    const position =
      call.cursor === null
        ? call.direction === 'next'
          ? 0
          : list.length
        : positionOf(list, call.cursor.split('.')[0] ?? '', this.provider);
    const start = call.direction === 'next' ? position : Math.max(0, position - call.pageSize);
    const end = call.direction === 'next' ? Math.min(list.length, position + call.pageSize) : position;
    const hasMore = end < list.length;
    const hasPrevious = start > 0;
    const padding = this.options.cursorPadding ? `.${'x'.repeat(this.options.cursorPadding)}` : '';
    const padded = (cursor: string) => cursor + padding;
    return {
      totalCount: call.cursor === null && call.direction === 'next' ? list.length : null,
      entries: list.slice(start, end),
      hasMore,
      hasPrevious,
      nextCursor: hasMore
        ? padded(end > start ? cursorAt(list[end - 1], 'a') : cursorAt(list[end], 'b'))
        : null,
      previousCursor: hasPrevious
        ? padded(end > start ? cursorAt(list[start], 'b') : cursorAt(list[start - 1], 'a'))
        : null,
    };
  };

  resetCalls(): void {
    this.calls.length = 0;
  }
}

/**
 * A cursor for a gap, keyed on the page item beside it, as PROVIDER-NOTES assumes of Altur (and its simulator
 * does): `next` is "after the page's last item", `previous` "before its first". Keyed on an item, a cursor
 * stays where it was when other campaigns are created or deleted.
 */
function cursorAt(item: Campaign | undefined, side: 'a' | 'b'): string {
  if (item === undefined) throw new Error('no item beside the gap');
  return Buffer.from(JSON.stringify([side, item.createdAt.getTime(), item.providerId])).toString('base64url');
}

/** The index of the first item after the cursor's gap, in the list as it is now. */
function positionOf(list: readonly Campaign[], cursor: string, provider: Provider): number {
  const [side, ms, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [
    'a' | 'b',
    number,
    string,
  ];
  const key = { createdAtMs: ms, provider, providerId: id };
  const index = list.findIndex((item) => {
    const order = compareKeys(keyOf(item), key, tieOrder(provider));
    return side === 'a' ? order > 0 : order >= 0;
  });
  return index < 0 ? list.length : index;
}

/** What one page of a walk showed, in the shape the example tables spell out. */
export interface PageSeen {
  ids: string[];
  /** More campaigns lie beyond the page in the read's direction (moreAfter forward, moreBefore backward). */
  more: boolean;
  total: number;
  calls: number;
}

/**
 * Drives one stream as the connection does: an edge's cursor carries the key of its campaign and the hint
 * just after it (through encodeHint/decodeHint, as JSON); `after` reads on from there, `before` retreats it
 * by one first. Pages come from the last page's last edge (next) or first edge (previous).
 */
export class StreamWalker {
  private page: { items: Campaign[]; hintAfter: StreamHint[]; total: number } | null = null;
  /** The boundary of the last read (null: from the list's start or end). */
  boundary: Boundary | null = null;
  /** Both flags of the last read, the one opposite to its direction included. */
  flags = { moreBefore: false, moreAfter: false };

  constructor(
    private readonly stream: CampaignStream,
    private readonly api: { calls: unknown[] },
  ) {}

  first(count: number): Promise<PageSeen> {
    return this.read(null, this.stream.start, count, 'forward', null);
  }

  last(count: number): Promise<PageSeen> {
    return this.read(null, this.stream.end, count, 'backward', null);
  }

  /** After the last page's edge `edge` (default: its last, as a client paging on does). */
  next(count: number, edge?: number): Promise<PageSeen> {
    const page = this.current();
    const index = edge ?? page.items.length - 1;
    return this.read(this.edgeKey(index), this.edgeHint(index), count, 'forward', page.total);
  }

  /** Before the last page's edge `edge` (default: its first). */
  previous(count: number, edge = 0): Promise<PageSeen> {
    const page = this.current();
    const hint = this.stream.retreat(this.edgeHint(edge));
    return this.read(this.edgeKey(edge), hint, count, 'backward', page.total);
  }

  private current() {
    if (this.page === null || this.page.items.length === 0) throw new Error('no edge to page from');
    return this.page;
  }

  private edgeKey(index: number): Boundary {
    const item = this.current().items[index];
    if (item === undefined) throw new Error('no such edge');
    return { key: keyOf(item) };
  }

  private edgeHint(index: number): StreamHint {
    const hint = this.current().hintAfter[index];
    if (hint === undefined) throw new Error('no hint after the edge');
    const wire: unknown = JSON.parse(JSON.stringify(this.stream.encodeHint(hint)));
    const decoded = this.stream.decodeHint(wire, true);
    if (decoded === null) throw new Error(`the stream refused its own hint ${JSON.stringify(wire)}`);
    return decoded;
  }

  private async read(
    boundary: Boundary | null,
    hint: StreamHint,
    count: number,
    direction: 'forward' | 'backward',
    knownTotal: number | null,
  ): Promise<PageSeen> {
    const before = this.api.calls.length;
    this.boundary = boundary;
    const read = await this.stream.read({ boundary, hint, count, direction, knownTotal });
    expect(read.hintBefore).toHaveLength(read.items.length);
    expect(read.hintAfter).toHaveLength(read.items.length);
    if (read.items.length > 0)
      this.page = { items: read.items, hintAfter: read.hintAfter, total: read.total };
    return {
      ids: read.items.map((item) => item.providerId),
      more: direction === 'forward' ? read.moreAfter : read.moreBefore,
      total: read.total,
      calls: this.api.calls.length - before,
    };
  }
}

/**
 * What a read must return when nothing changes during it: the first `count` campaigns of `list` beyond the
 * boundary (forward), or the last `count` before it (backward), and whether more lie beyond those.
 */
export function oracleRead(
  list: readonly Campaign[],
  boundary: Boundary | null,
  count: number,
  direction: 'forward' | 'backward',
): { ids: string[]; more: boolean } {
  const beyond =
    boundary === null
      ? list
      : list.filter((item) => isBeyond(item, boundary, direction, tieOrder(item.provider)));
  const taken =
    direction === 'forward' ? beyond.slice(0, count) : beyond.slice(Math.max(0, beyond.length - count));
  return { ids: taken.map((item) => item.providerId), more: beyond.length > count };
}

/**
 * A page API behind a cache that keeps each answer for `ttl` upstream calls: pages of one window then come
 * from different moments, as they do behind a shared cache. `now` calls skip it. `calls` counts upstream calls.
 */
export class CachingPageApi {
  private readonly entries = new Map<string, { page: NumberedPage; storedAt: number }>();

  constructor(
    private readonly upstream: FakePageApi,
    private readonly ttl: number,
  ) {}

  get calls(): NumberedCall[] {
    return this.upstream.calls;
  }

  readonly fetchPage = async (call: NumberedCall): Promise<NumberedPage> => {
    const { now, ...request } = call;
    const key = JSON.stringify(request);
    const held = this.entries.get(key);
    if (held !== undefined && now !== true && this.upstream.calls.length - held.storedAt < this.ttl)
      return held.page;
    const page = await this.upstream.fetchPage(request);
    this.entries.set(key, { page, storedAt: this.upstream.calls.length });
    return page;
  };
}
