// Over 300 lines for the same reason as altur.ts: one provider's API (page-numbered list, filters, detail,
// mutations) over one sorted dataset that every route shares.
import type { ChangeListener } from './changes.js';
import { ChangeFeed, headInstant, insertSorted } from './changes.js';
import type { AuralytikCampaignInput, AuralytikCampaignRecord, AuralytikStatus } from './data.js';
import {
  AURALYTIK_STATUSES,
  auralytikCampaign,
  auralytikDataset,
  generateAuralytikDataset,
  mulberry32,
} from './data.js';
import type { RecordedRequest } from './faults.js';
import type { RateLimitOptions, SimResponse, SimulatorBase, SimulatorCommonOptions } from './http.js';
import { Memo, SlidingWindowLimiter, startHttpSimulator, statusText, systemClock, urlHost } from './http.js';
import { fnv1a, formatIsoSeconds, parseInstantMs } from './time.js';

export const AURALYTIK_BASE_PATH = '/v1';
export const AURALYTIK_DEMO_API_KEY = 'auralytik-demo-key';

export interface AuralytikSimulatorOptions extends SimulatorCommonOptions {
  /** Explicit records (completed with defaults); wins over `count`/`seed`. */
  dataset?: readonly AuralytikCampaignInput[] | undefined;
  /** Size of the generated dataset when no `dataset` is given. @default 100 */
  count?: number | undefined;
  /** @default 2 */
  seed?: number | undefined;
  /** @default 15 */
  tieEvery?: number | undefined;
  /**
   * The seed's `{data, page, pageSize, totalCount}` or the newer docs'
   * `{data, meta: {requestId, timestamp}, pagination: {page, pageSize, totalCount, totalPages}}`.
   * @default 'flat'
   */
  listShape?: 'flat' | 'wrapped' | undefined;
  /** The detail as a bare campaign object or as `{data: {...}}` (undocumented either way). @default 'bare' */
  detailShape?: 'bare' | 'wrapped' | undefined;
  /** Auralytik documents no limit, so none by default. */
  rateLimit?: RateLimitOptions | false | undefined;
}

/** A new campaign: any field may be given; the rest is filled as {@link auralytikCampaign} does. */
export type AuralytikCreateInput = Partial<AuralytikCampaignRecord>;
/** Any field but the id. */
export type AuralytikCampaignPatch = Partial<Omit<AuralytikCampaignRecord, 'id'>>;
export type AuralytikChangeListener = ChangeListener<AuralytikCampaignRecord>;

export interface AuralytikSimulator extends SimulatorBase {
  setDataset(records: readonly AuralytikCampaignInput[]): void;
  /** Every campaign, in the order given to `setDataset`, then in creation order; a snapshot. */
  dataset(): readonly AuralytikCampaignRecord[];
  setRateLimit(limit: RateLimitOptions | false): void;
  /**
   * Creates a campaign and returns it. Without `id`: a new `camp_` + 6 hex digits, derived from the seed
   * and a counter, so a run is repeatable. Without `createdAt`: now in whole seconds, never older than the
   * newest campaign, so it is first in the list (see `headInstant`). An explicit `createdAt` is honoured
   * (a tie with an existing campaign, or one in the past). Page numbers are offsets: every page after the
   * new campaign's place shifts by one, as on the real API. Throws a RangeError on a duplicate id or an
   * unparsable instant.
   */
  createCampaign(input?: AuralytikCreateInput): AuralytikCampaignRecord;
  /** Removes the campaign from lists and detail (404 from now on); false when there was none. */
  deleteCampaign(id: string): boolean;
  /**
   * Changes any field but the id and returns the new record, or null when there is no such campaign.
   * A new `createdAt` moves the campaign to its new place in the list.
   */
  updateCampaign(id: string, patch: AuralytikCampaignPatch): AuralytikCampaignRecord | null;
  /** Hears every create, delete and update, synchronously after it is applied; returns the unsubscribe. */
  onChange(listener: AuralytikChangeListener): () => void;
}

interface Entry {
  readonly record: AuralytikCampaignRecord;
  readonly ms: number;
}

interface ListParams {
  status: AuralytikStatus | null;
  channelType: string | null;
  fromMs: number | null;
  toMs: number | null;
  page: number;
  pageSize: number;
}

interface ListPage {
  dataJson: string;
  totalCount: number;
}

function compareEntries(a: Entry, b: Entry): number {
  if (a.ms !== b.ms) return b.ms - a.ms;
  if (a.record.id === b.record.id) return 0;
  return a.record.id < b.record.id ? 1 : -1;
}

function parsePositiveInt(value: string, name: string, max: number): number | string {
  if (!/^\d{1,9}$/.test(value)) return `${name} must be a positive integer`;
  const parsed = Number(value);
  if (parsed < 1) return `${name} must be at least 1`;
  if (parsed > max) return `${name} must be at most ${max}`;
  return parsed;
}

function parseListParams(query: URLSearchParams): ListParams | { error: string } {
  const get = (name: string): string | null | { error: string } => {
    const values = query.getAll(name);
    if (values.length > 1) return { error: `${name} must be given at most once` };
    return values[0] ?? null;
  };
  const raw: Record<string, string | null> = {};
  for (const name of ['status', 'channelType', 'dateFrom', 'dateTo', 'page', 'pageSize']) {
    const value = get(name);
    if (typeof value === 'object' && value !== null) return value;
    raw[name] = value;
  }
  const { status, channelType, dateFrom, dateTo, page, pageSize } = raw;
  let parsedStatus: AuralytikStatus | null = null;
  if (status != null) {
    const found = AURALYTIK_STATUSES.find((candidate) => candidate === status);
    if (found === undefined) return { error: `status must be one of ${AURALYTIK_STATUSES.join(', ')}` };
    parsedStatus = found;
  }
  if (channelType === '') return { error: 'channelType must not be empty' };
  const fromMs = dateFrom == null ? null : parseInstantMs(dateFrom);
  if (dateFrom != null && fromMs === null) return { error: 'dateFrom must be an ISO 8601 date' };
  const toMs = dateTo == null ? null : parseInstantMs(dateTo);
  if (dateTo != null && toMs === null) return { error: 'dateTo must be an ISO 8601 date' };
  if (fromMs !== null && toMs !== null && fromMs > toMs)
    return { error: 'dateFrom must not be after dateTo' };
  const parsedPage = page == null ? 1 : parsePositiveInt(page, 'page', 1_000_000_000);
  if (typeof parsedPage === 'string') return { error: parsedPage };
  const parsedSize = pageSize == null ? 25 : parsePositiveInt(pageSize, 'pageSize', 100);
  if (typeof parsedSize === 'string') return { error: parsedSize };
  return {
    status: parsedStatus,
    channelType: channelType ?? null,
    fromMs,
    toMs,
    page: parsedPage,
    pageSize: parsedSize,
  };
}

function classify(subPath: string): RecordedRequest['route'] {
  if (subPath === '/campaigns') return 'list';
  if (/^\/campaigns\/[^/]+$/.test(subPath)) return 'detail';
  return 'other';
}

function render(record: AuralytikCampaignRecord): Record<string, unknown> {
  return {
    id: record.id,
    name: record.name,
    description: record.description,
    type: record.type,
    status: record.status,
    channelType: record.channelType,
    startDate: record.startDate,
    endDate: record.endDate,
    createdAt: record.createdAt,
  };
}

/** Starts a faithful stand-in for Auralytik's campaign API on `http://host:port/v1`. */
export async function startAuralytikSimulator(
  options: AuralytikSimulatorOptions = {},
): Promise<AuralytikSimulator> {
  const apiKey = options.apiKey ?? AURALYTIK_DEMO_API_KEY;
  const now = options.now ?? systemClock;
  const wrappedList = options.listShape === 'wrapped';
  const wrappedDetail = options.detailShape === 'wrapped';
  let limiter: SlidingWindowLimiter | null =
    options.rateLimit === undefined || options.rateLimit === false
      ? null
      : new SlidingWindowLimiter(options.rateLimit);
  let requestCounter = 0;
  const pages = new Memo<ListPage>();
  const details = new Memo<string | null>();

  // `byId` keeps insertion order, which is what `dataset()` reports; `snapshot` is rebuilt lazily after a
  // change so a caller's earlier snapshot never changes under it.
  let byId = new Map<string, AuralytikCampaignRecord>();
  let snapshot: readonly AuralytikCampaignRecord[] | null = [];
  let sorted: Entry[] = [];
  let createdCount = 0;
  // A deleted campaign's id is never issued again: a real API's ids name one campaign for good, and a test
  // that sees an id twice must be seeing the gateway repeat it, not a new campaign under an old name.
  const retiredIds = new Set<string>();
  const idSeed = options.seed ?? 2;
  const feed = new ChangeFeed<AuralytikCampaignRecord>();

  // Dropping memoised pages and details is O(1); pages are recomputed from `sorted` on demand.
  const invalidate = (): void => {
    snapshot = null;
    pages.clear();
    details.clear();
  };

  const setDataset = (inputs: readonly AuralytikCampaignInput[]): void => {
    const records = auralytikDataset(inputs);
    sorted = records.map(entryOf).sort(compareEntries);
    byId = new Map(records.map((record) => [record.id, record]));
    retiredIds.clear();
    invalidate();
    snapshot = records;
  };
  setDataset(
    options.dataset ??
      generateAuralytikDataset({
        count: options.count ?? 100,
        seed: options.seed ?? 2,
        tieEvery: options.tieEvery,
      }),
  );

  const newId = (): string => {
    for (;;) {
      createdCount += 1;
      // Through mulberry32 so consecutive ids look as unrelated as the real API's, not like a counter.
      const draw = mulberry32(fnv1a(`created:${idSeed}:${createdCount}`))();
      const id = `camp_${Math.floor(draw * 0x1000000)
        .toString(16)
        .padStart(6, '0')}`;
      if (!byId.has(id) && !retiredIds.has(id)) return id;
    }
  };

  const removeEntry = (id: string): void => {
    const index = sorted.findIndex((entry) => entry.record.id === id);
    if (index >= 0) sorted.splice(index, 1);
  };

  const createCampaign = (input: AuralytikCreateInput = {}): AuralytikCampaignRecord => {
    const id = input.id ?? newId();
    if (byId.has(id)) throw new RangeError(`Auralytik already has a campaign with id ${id}`);
    const head = sorted[0];
    // Ties go by id descending in JS string order, so a new id keeps a tie at the head only if larger.
    const createdMs = headInstant(now(), head?.ms, head === undefined || id > head.record.id);
    const record = auralytikCampaign({
      ...input,
      id,
      createdAt: input.createdAt ?? formatIsoSeconds(createdMs),
    });
    byId.set(id, record);
    insertSorted(sorted, entryOf(record), compareEntries);
    invalidate();
    feed.emit({ kind: 'created', record });
    return record;
  };

  const deleteCampaign = (id: string): boolean => {
    const record = byId.get(id);
    if (record === undefined) return false;
    byId.delete(id);
    retiredIds.add(id);
    removeEntry(id);
    invalidate();
    feed.emit({ kind: 'deleted', record });
    return true;
  };

  const updateCampaign = (id: string, patch: AuralytikCampaignPatch): AuralytikCampaignRecord | null => {
    const previous = byId.get(id);
    if (previous === undefined) return null;
    // The id is forced back: the type forbids it in a patch, but a cast caller must not re-key the record.
    const record = auralytikCampaign({ ...previous, ...patch, id });
    byId.set(id, record);
    removeEntry(id);
    insertSorted(sorted, entryOf(record), compareEntries);
    invalidate();
    feed.emit({ kind: 'updated', record, previous });
    return record;
  };

  const nextRequestId = (): string => {
    requestCounter += 1;
    return `req_${requestCounter.toString(16).padStart(8, '0')}`;
  };

  const error = (status: number, code: string, message: string, extra: Record<string, unknown> = {}) => ({
    status,
    body: JSON.stringify({ error: { code, message, requestId: nextRequestId(), ...extra } }),
  });

  const listPage = (params: ListParams): ListPage => {
    const matching = sorted.filter(({ record, ms }) => {
      if (params.status !== null && record.status !== params.status) return false;
      if (params.channelType !== null && record.channelType !== params.channelType) return false;
      if (params.fromMs !== null && ms < params.fromMs) return false;
      if (params.toMs !== null && ms > params.toMs) return false;
      return true;
    });
    const start = (params.page - 1) * params.pageSize;
    const data = matching.slice(start, start + params.pageSize).map((entry) => render(entry.record));
    return { dataJson: JSON.stringify(data), totalCount: matching.length };
  };

  const list = (params: ListParams): SimResponse => {
    const { dataJson, totalCount } = pages.get(JSON.stringify(params), () => listPage(params));
    const { page, pageSize } = params;
    // Splicing the cached `data` keeps the per-request meta fresh without re-serialising campaigns.
    const body = wrappedList
      ? `{"data":${dataJson},"meta":${JSON.stringify({
          requestId: nextRequestId(),
          timestamp: new Date(now()).toISOString(),
        })},"pagination":${JSON.stringify({
          page,
          pageSize,
          totalCount,
          totalPages: Math.ceil(totalCount / pageSize),
        })}}`
      : `{"data":${dataJson},"page":${page},"pageSize":${pageSize},"totalCount":${totalCount}}`;
    return { status: 200, body };
  };

  const campaign = (rawId: string): SimResponse => {
    const json = details.get(rawId, () => {
      let id: string;
      try {
        id = decodeURIComponent(rawId);
      } catch {
        return null;
      }
      const record = byId.get(id);
      if (record === undefined) return null;
      return JSON.stringify(wrappedDetail ? { data: render(record) } : render(record));
    });
    if (json === null) return error(404, 'NOT_FOUND', `Campaign ${rawId} not found`);
    return { status: 200, body: json };
  };

  const handle = (request: RecordedRequest, subPath: string): SimResponse => {
    const auth = /^Bearer\s+(.+)$/i.exec(request.authorization ?? '');
    if (auth?.[1] !== apiKey) return error(401, 'UNAUTHORIZED', 'Missing or invalid API key');
    const limited = limiter?.tryAcquire(apiKey, request.at);
    if (limited != null) {
      const seconds = Math.max(1, Math.ceil(limited.retryAfterMs / 1000));
      return {
        ...error(429, 'RATE_LIMIT_EXCEEDED', 'Too many requests', { retryAfter: seconds }),
        headers: { 'retry-after': String(seconds) },
      };
    }
    if (request.route === 'other') return error(404, 'NOT_FOUND', 'No such endpoint');
    if (request.method !== 'GET') {
      return { ...error(405, 'METHOD_NOT_ALLOWED', 'Only GET is supported'), headers: { allow: 'GET' } };
    }
    if (request.route === 'detail') return campaign(subPath.slice('/campaigns/'.length));
    const params = parseListParams(request.query);
    if ('error' in params) return error(400, 'VALIDATION_ERROR', params.error);
    return list(params);
  };

  const http = await startHttpSimulator({
    basePath: AURALYTIK_BASE_PATH,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    now,
    classify,
    handle,
    faultBody: (status) =>
      JSON.stringify({
        error: { code: status >= 500 ? 'INTERNAL_ERROR' : 'ERROR', message: statusText(status) },
      }),
  });

  return {
    url: `http://${urlHost(http.host)}:${http.port}${AURALYTIK_BASE_PATH}`,
    apiKey,
    host: http.host,
    port: http.port,
    faults: http.faults,
    requests: http.requests,
    close: http.close,
    setDataset,
    dataset: () => {
      snapshot ??= [...byId.values()];
      return snapshot;
    },
    setRateLimit: (limit) => {
      limiter = limit === false ? null : new SlidingWindowLimiter(limit);
    },
    createCampaign,
    deleteCampaign,
    updateCampaign,
    onChange: (listener) => feed.subscribe(listener),
  };
}

function entryOf(record: AuralytikCampaignRecord): Entry {
  return { record, ms: parseInstantMs(record.createdAt) ?? 0 };
}
