// Over 500 lines on purpose: one provider's API as its docs and seed describe it (query validation, cursors
// anchored on sort keys and bound to the filter, the seed and newer response shapes, the detail route) and
// the mutations tests drive. Every route reads the same sorted entries and position rules; split by route,
// each file would restate them.
import type { ChangeListener } from './changes.js';
import { ChangeFeed, headInstant, insertSorted } from './changes.js';
import type { AlturCampaignInput, AlturCampaignRecord, AlturIntegration, AlturStatus } from './data.js';
import {
  ALTUR_INTEGRATIONS,
  ALTUR_STATUSES,
  alturCampaign,
  alturDataset,
  generateAlturDataset,
} from './data.js';
import type { RecordedRequest } from './faults.js';
import type { RateLimitOptions, SimResponse, SimulatorBase, SimulatorCommonOptions } from './http.js';
import { Memo, SlidingWindowLimiter, startHttpSimulator, statusText, systemClock, urlHost } from './http.js';
import { fnv1a, formatIsoSeconds, formatZoneless, parseInstantMs } from './time.js';

export const ALTUR_BASE_PATH = '/api/v1.0';
export const ALTUR_DEMO_API_KEY = 'altur-demo-key';
/** Altur documents 12 requests per second per key. */
export const ALTUR_RATE_LIMIT: RateLimitOptions = { limit: 12, windowMs: 1000 };

export type AlturDrift = 'seed' | 'newer' | 'mixed';

export interface AlturSimulatorOptions extends SimulatorCommonOptions {
  /** Explicit records (completed with defaults); wins over `count`/`seed`. */
  dataset?: readonly AlturCampaignInput[] | undefined;
  /** Size of the generated dataset when no `dataset` is given. @default 100 */
  count?: number | undefined;
  /** @default 1 */
  seed?: number | undefined;
  /** @default 15 */
  tieEvery?: number | undefined;
  /**
   * Which doc version's field names to send: the seed's (`has_more`, `endTime`, `cycle_cooldown`…),
   * the newer docs' (`has_next`, `stopTime`, `cycle_cooldown_minutes`…), or a deterministic mix:
   * per item for campaign fields, per response for pagination. @default 'mixed'
   */
  drift?: AlturDrift | undefined;
  /** Timestamps as stored (`iso`), all zone-less (`2025-10-03 19:11:39`), or some of each. @default 'mixed' */
  timestamps?: 'iso' | 'zoneless' | 'mixed' | undefined;
  /** When `total_count` is sent: only on the first page (as documented) or always. @default 'firstPage' */
  totalCount?: 'firstPage' | 'always' | undefined;
  /** @default 12 per 1000 ms; false turns it off */
  rateLimit?: RateLimitOptions | false | undefined;
}

/** A new campaign: any field may be given; the rest is filled as {@link alturCampaign} does. */
export type AlturCreateInput = Partial<AlturCampaignRecord>;
/** Any field but the id. */
export type AlturCampaignPatch = Partial<Omit<AlturCampaignRecord, 'id'>>;
export type AlturChangeListener = ChangeListener<AlturCampaignRecord>;

export interface AlturSimulator extends SimulatorBase {
  /** Replaces the data; cached responses and issued cursors' positions follow the new data. */
  setDataset(records: readonly AlturCampaignInput[]): void;
  /** Every campaign, in the order given to `setDataset`, then in creation order; a snapshot. */
  dataset(): readonly AlturCampaignRecord[];
  setRateLimit(limit: RateLimitOptions | false): void;
  /**
   * Creates a campaign and returns it. Without `id`: one above the highest id this dataset has had (a
   * deleted id is not reused, as a real database would not). Without `created_at`: now in whole seconds,
   * never older than the newest campaign, so it is first in the list (see `headInstant`). An explicit
   * `created_at` is honoured, so a test can create a tie with an existing campaign or one in the past.
   * Throws a RangeError on a duplicate id or an unparsable instant.
   */
  createCampaign(input?: AlturCreateInput): AlturCampaignRecord;
  /** Removes the campaign from lists and detail (404 from now on); false when there was none. */
  deleteCampaign(id: number): boolean;
  /**
   * Changes any field but the id and returns the new record, or null when there is no such campaign.
   * A new `created_at` moves the campaign to its new place in the list: a cursor issued next to it keeps
   * its position between keys, so the campaign may then be seen again or not at all by a walk.
   */
  updateCampaign(id: number, patch: AlturCampaignPatch): AlturCampaignRecord | null;
  /** Hears every create, delete and update, synchronously after it is applied; returns the unsubscribe. */
  onChange(listener: AlturChangeListener): () => void;
}

interface Entry {
  readonly record: AlturCampaignRecord;
  readonly ms: number;
}

interface ListFilter {
  agentId: string | null;
  status: AlturStatus | null;
  integration: AlturIntegration | null;
  fromMs: number | null;
  toMs: number | null;
  archived: boolean;
}

interface ListParams {
  filter: ListFilter;
  filterKey: string;
  pageSize: number;
  cursor: string | null;
  direction: 'next' | 'previous';
}

/** A position between two items: just after or just before the item with this sort key. */
interface Position {
  ms: number;
  id: number;
  side: 'after' | 'before';
}

const CURSOR_VERSION = 1;

function detail(status: number, message: string): SimResponse {
  return { status, body: JSON.stringify({ detail: message }) };
}

function single(query: URLSearchParams, name: string): string | null | { error: string } {
  const values = query.getAll(name);
  if (values.length > 1) return { error: `${name} must be given at most once` };
  return values[0] ?? null;
}

function oneOf<T extends string>(value: string, allowed: readonly T[]): T | null {
  return (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

function parseListParams(query: URLSearchParams): ListParams | { error: string } {
  const raw: Record<string, string | null> = {};
  for (const name of [
    'agent_id',
    'status',
    'integration',
    'startDate',
    'endDate',
    'archived',
    'pageSize',
    'cursor',
    'direction',
  ]) {
    const value = single(query, name);
    if (typeof value === 'object' && value !== null) return value;
    raw[name] = value;
  }
  const { agent_id, status, integration, startDate, endDate, archived, pageSize, cursor, direction } = raw;

  if (agent_id === '') return { error: 'agent_id must not be empty' };
  const parsedStatus = status === null || status === undefined ? null : oneOf(status, ALTUR_STATUSES);
  if (status != null && parsedStatus === null) {
    return { error: `status must be one of ${ALTUR_STATUSES.join(', ')}` };
  }
  const parsedIntegration =
    integration === null || integration === undefined ? null : oneOf(integration, ALTUR_INTEGRATIONS);
  if (integration != null && parsedIntegration === null) {
    return { error: `integration must be one of ${ALTUR_INTEGRATIONS.join(', ')}` };
  }
  if ((startDate == null) !== (endDate == null)) {
    return { error: 'startDate and endDate must be provided together' };
  }
  const fromMs = startDate == null ? null : parseInstantMs(startDate);
  const toMs = endDate == null ? null : parseInstantMs(endDate);
  if (startDate != null && fromMs === null) return { error: 'startDate must be an ISO 8601 date' };
  if (endDate != null && toMs === null) return { error: 'endDate must be an ISO 8601 date' };
  if (fromMs !== null && toMs !== null && fromMs > toMs) {
    return { error: 'startDate must not be after endDate' };
  }
  if (archived != null && archived !== 'true' && archived !== 'false') {
    return { error: 'archived must be true or false' };
  }
  let size = 25;
  if (pageSize != null) {
    if (!/^\d{1,6}$/.test(pageSize)) return { error: 'pageSize must be an integer' };
    size = Number(pageSize);
    if (size < 1) return { error: 'pageSize must be at least 1' };
    if (size > 100) return { error: 'pageSize must be less than or equal to 100' };
  }
  if (direction != null && direction !== 'next' && direction !== 'previous') {
    return { error: 'direction must be one of next, previous' };
  }
  const filter: ListFilter = {
    agentId: agent_id ?? null,
    status: parsedStatus,
    integration: parsedIntegration,
    fromMs,
    toMs,
    archived: archived === 'true',
  };
  return {
    filter,
    filterKey: JSON.stringify(filter),
    pageSize: size,
    cursor: cursor ?? null,
    direction: direction === 'previous' ? 'previous' : 'next',
  };
}

function filterHash(filterKey: string): string {
  return fnv1a(filterKey).toString(36);
}

function encodeCursor(position: Position, filterKey: string): string {
  const payload = [
    CURSOR_VERSION,
    position.ms,
    position.id,
    position.side === 'after' ? 'a' : 'b',
    filterHash(filterKey),
  ];
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, filterKey: string): Position | null {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(payload) || payload.length !== 5) return null;
  const [version, ms, id, side, hash] = payload as unknown[];
  if (version !== CURSOR_VERSION || hash !== filterHash(filterKey)) return null;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return null;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) return null;
  if (side !== 'a' && side !== 'b') return null;
  return { ms, id, side: side === 'a' ? 'after' : 'before' };
}

/** Newest first; ties by id descending. Negative when `a` comes first. */
function compareKeys(aMs: number, aId: number, bMs: number, bId: number): number {
  return aMs !== bMs ? bMs - aMs : bId - aId;
}

/** First index whose item lies strictly after the position in list order. */
function indexOf(entries: readonly Entry[], position: Position): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const entry = entries[mid];
    if (entry === undefined) break;
    const cmp = compareKeys(entry.ms, entry.record.id, position.ms, position.id);
    // After an item: skip it and everything before it. Before an item: stop at it.
    const beforePosition = position.side === 'after' ? cmp <= 0 : cmp < 0;
    if (beforePosition) low = mid + 1;
    else high = mid;
  }
  return low;
}

function matchesFilter(entry: Entry, filter: ListFilter): boolean {
  const { record } = entry;
  if (!filter.archived && record.archived) return false;
  if (filter.status !== null && record.status !== filter.status) return false;
  if (filter.integration !== null && record.integration !== filter.integration) return false;
  if (filter.agentId !== null && record.agent?.id !== filter.agentId) return false;
  if (filter.fromMs !== null && entry.ms < filter.fromMs) return false;
  if (filter.toMs !== null && entry.ms > filter.toMs) return false;
  return true;
}

interface ItemStyle {
  newer: boolean;
  zoneless: boolean;
}

function renderTime(value: string | null, zoneless: boolean): string | null {
  if (value === null || !zoneless) return value;
  const ms = parseInstantMs(value);
  return ms === null ? value : (formatZoneless(ms) ?? value);
}

function renderScheduling(record: AlturCampaignRecord, newer: boolean): unknown {
  if (record.scheduling === null || !newer) return record.scheduling;
  const out: Record<string, unknown> = {};
  for (const [day, slot] of Object.entries(record.scheduling)) {
    out[day] = { startTime: slot.startTime, stopTime: slot.endTime, active: slot.active };
  }
  return out;
}

/** The fields list items and the detail share, in the seed's order. */
function commonFields(record: AlturCampaignRecord, style: ItemStyle): Record<string, unknown> {
  return {
    id: record.id,
    name: record.name,
    description: record.description,
    status: record.status,
    created_at: renderTime(record.created_at, style.zoneless),
    agent: record.agent,
    scheduling: renderScheduling(record, style.newer),
    timezone: record.timezone,
    retries: record.retries,
    [style.newer ? 'concurrency_limit' : 'concurrency']: record.concurrency,
    archived: record.archived,
    template: record.template,
    first_message: record.first_message,
  };
}

function renderListItem(record: AlturCampaignRecord, style: ItemStyle): Record<string, unknown> {
  const n = style.newer;
  return {
    ...commonFields(record, style),
    cycle_enabled: record.cycle_enabled,
    cycle_max_iterations: record.cycle_max_iterations,
    [n ? 'cycle_cooldown_minutes' : 'cycle_cooldown']: record.cycle_cooldown,
    [n ? 'cycle_filter_statuses' : 'cycle_status_filters']: record.cycle_status_filters,
    [n ? 'cycle_filter_tags' : 'cycle_tag_filters']: record.cycle_tag_filters,
    cycle_current_iteration: record.cycle_current_iteration,
    [n ? 'cycle_last_iteration_at' : 'last_iteration_at']: renderTime(
      record.last_iteration_at,
      style.zoneless,
    ),
  };
}

function renderDetail(record: AlturCampaignRecord, style: ItemStyle): Record<string, unknown> {
  return {
    ...commonFields(record, style),
    integration: { id: record.integration_id, type: record.integration },
    cycles: {
      enabled: record.cycle_enabled,
      max_iterations: record.cycle_max_iterations,
      cooldown_minutes: record.cycle_cooldown,
      filter_statuses: record.cycle_status_filters,
      filter_tags: record.cycle_tag_filters,
      current_iteration: record.cycle_current_iteration,
      last_iteration_at: renderTime(record.last_iteration_at, style.zoneless),
    },
    analytics: record.analytics,
  };
}

function classify(subPath: string): RecordedRequest['route'] {
  if (subPath === '/campaigns') return 'list';
  if (/^\/campaigns\/[^/]+$/.test(subPath)) return 'detail';
  return 'other';
}

/** Starts a faithful stand-in for Altur's campaign API on `http://host:port/api/v1.0`. */
export async function startAlturSimulator(options: AlturSimulatorOptions = {}): Promise<AlturSimulator> {
  const apiKey = options.apiKey ?? ALTUR_DEMO_API_KEY;
  const now = options.now ?? systemClock;
  const drift = options.drift ?? 'mixed';
  const timestamps = options.timestamps ?? 'mixed';
  const alwaysTotal = options.totalCount === 'always';
  const cache = new Memo<SimResponse>();
  let limiter: SlidingWindowLimiter | null =
    options.rateLimit === false ? null : new SlidingWindowLimiter(options.rateLimit ?? ALTUR_RATE_LIMIT);

  // `byId` keeps insertion order, which is what `dataset()` reports; `snapshot` is rebuilt lazily after a
  // change so a caller's earlier snapshot never changes under it.
  let byId = new Map<number, AlturCampaignRecord>();
  let snapshot: readonly AlturCampaignRecord[] | null = [];
  let sorted: Entry[] = [];
  let highestId = 0;
  const filtered = new Map<string, Entry[]>();
  const feed = new ChangeFeed<AlturCampaignRecord>();

  // Dropping the per-filter lists and memoised bodies is O(1); they are rebuilt lazily (O(n) per filter
  // at most once per change), which stays cheap at the ~1000 campaigns a churning demo reaches.
  const invalidate = (): void => {
    snapshot = null;
    filtered.clear();
    cache.clear();
  };

  const setDataset = (inputs: readonly AlturCampaignInput[]): void => {
    const records = alturDataset(inputs);
    sorted = records.map(entryOf).sort(compareEntries);
    byId = new Map(records.map((record) => [record.id, record]));
    highestId = records.reduce((max, record) => Math.max(max, record.id), 0);
    invalidate();
    snapshot = records;
  };
  setDataset(
    options.dataset ??
      generateAlturDataset({
        count: options.count ?? 100,
        seed: options.seed ?? 1,
        tieEvery: options.tieEvery,
      }),
  );

  const removeEntry = (id: number): void => {
    const index = sorted.findIndex((entry) => entry.record.id === id);
    if (index >= 0) sorted.splice(index, 1);
  };

  const createCampaign = (input: AlturCreateInput = {}): AlturCampaignRecord => {
    const id = input.id ?? highestId + 1;
    if (byId.has(id)) throw new RangeError(`Altur already has a campaign with id ${id}`);
    const head = sorted[0];
    // A new id wins a tie at the head when it is the larger one (ties go by id descending).
    const createdMs = headInstant(now(), head?.ms, head === undefined || id > head.record.id);
    const record = alturCampaign({
      ...input,
      id,
      created_at: input.created_at ?? formatIsoSeconds(createdMs),
    });
    byId.set(id, record);
    insertSorted(sorted, entryOf(record), compareEntries);
    highestId = Math.max(highestId, id);
    invalidate();
    feed.emit({ kind: 'created', record });
    return record;
  };

  const deleteCampaign = (id: number): boolean => {
    const record = byId.get(id);
    if (record === undefined) return false;
    byId.delete(id);
    removeEntry(id);
    invalidate();
    feed.emit({ kind: 'deleted', record });
    return true;
  };

  const updateCampaign = (id: number, patch: AlturCampaignPatch): AlturCampaignRecord | null => {
    const previous = byId.get(id);
    if (previous === undefined) return null;
    // The id is forced back: the type forbids it in a patch, but a cast caller must not re-key the record.
    const record = alturCampaign({ ...previous, ...patch, id });
    byId.set(id, record);
    removeEntry(id);
    insertSorted(sorted, entryOf(record), compareEntries);
    invalidate();
    feed.emit({ kind: 'updated', record, previous });
    return record;
  };

  const styleOf = (id: number): ItemStyle => ({
    newer: drift === 'newer' || (drift === 'mixed' && fnv1a(`drift:${id}`) % 2 === 1),
    zoneless: timestamps === 'zoneless' || (timestamps === 'mixed' && fnv1a(`ts:${id}`) % 5 === 0),
  });

  const entriesFor = (params: ListParams): Entry[] => {
    let entries = filtered.get(params.filterKey);
    if (entries === undefined) {
      entries = sorted.filter((entry) => matchesFilter(entry, params.filter));
      if (filtered.size > 1000) filtered.clear();
      filtered.set(params.filterKey, entries);
    }
    return entries;
  };

  const list = (params: ListParams): SimResponse => {
    const entries = entriesFor(params);
    let position: number;
    if (params.cursor === null) {
      position = params.direction === 'next' ? 0 : entries.length;
    } else {
      const decoded = decodeCursor(params.cursor, params.filterKey);
      if (decoded === null) return detail(400, 'Invalid cursor');
      position = indexOf(entries, decoded);
    }
    const start = params.direction === 'next' ? position : Math.max(0, position - params.pageSize);
    const end = params.direction === 'next' ? Math.min(entries.length, position + params.pageSize) : position;
    const page = entries.slice(start, end);
    const hasMore = end < entries.length;
    const hasPrevious = start > 0;
    const cursorAt = (preferred: Entry | undefined, side: Position['side'], fallback: Entry | undefined) => {
      // An empty page still marks a position, so it is described by the item on its other side.
      const position =
        preferred !== undefined
          ? positionOf(preferred, side)
          : positionOf(fallback, side === 'after' ? 'before' : 'after');
      return encodeCursor(position, params.filterKey);
    };
    const pagination: Record<string, unknown> = {};
    const responseKey = `${params.filterKey}|${params.cursor}|${params.direction}|${params.pageSize}`;
    const newerPagination = drift === 'newer' || (drift === 'mixed' && fnv1a(responseKey) % 2 === 1);
    pagination[newerPagination ? 'has_next' : 'has_more'] = hasMore;
    pagination.has_previous = hasPrevious;
    pagination.next_cursor = hasMore ? cursorAt(entries[end - 1], 'after', entries[end]) : null;
    pagination.previous_cursor = hasPrevious ? cursorAt(entries[start], 'before', entries[start - 1]) : null;
    const body: Record<string, unknown> = {};
    if (alwaysTotal || (params.cursor === null && params.direction === 'next')) {
      body.total_count = entries.length;
    }
    body.campaigns = page.map((entry) => renderListItem(entry.record, styleOf(entry.record.id)));
    body.pagination = pagination;
    return { status: 200, body: JSON.stringify(body) };
  };

  const campaign = (rawId: string): SimResponse => {
    if (!/^\d{1,15}$/.test(rawId)) return detail(422, 'id must be an integer');
    const record = byId.get(Number(rawId));
    if (record === undefined) return detail(404, 'Campaign not found');
    return {
      status: 200,
      body: JSON.stringify({ success: true, campaign: renderDetail(record, styleOf(record.id)) }),
    };
  };

  const handle = (request: RecordedRequest, subPath: string): SimResponse => {
    const auth = /^api-key\s+(.+)$/i.exec(request.authorization ?? '');
    if (auth?.[1] !== apiKey) return detail(401, 'Invalid API key');
    if (limiter?.tryAcquire(apiKey, request.at) != null) return detail(429, 'Rate limit exceeded');
    if (request.route === 'other') return detail(404, 'Not Found');
    if (request.method !== 'GET') return { ...detail(405, 'Method Not Allowed'), headers: { allow: 'GET' } };
    if (request.route === 'detail') {
      const rawId = subPath.slice('/campaigns/'.length);
      return cache.get(`detail:${rawId}`, () => campaign(rawId));
    }
    const params = parseListParams(request.query);
    if ('error' in params) return detail(422, params.error);
    return cache.get(`list:${params.filterKey}|${params.pageSize}|${params.cursor}|${params.direction}`, () =>
      list(params),
    );
  };

  const http = await startHttpSimulator({
    basePath: ALTUR_BASE_PATH,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    now,
    classify,
    handle,
    faultBody: (status) =>
      JSON.stringify({ detail: status === 429 ? 'Rate limit exceeded' : statusText(status) }),
  });

  return {
    url: `http://${urlHost(http.host)}:${http.port}${ALTUR_BASE_PATH}`,
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

function entryOf(record: AlturCampaignRecord): Entry {
  return { record, ms: parseInstantMs(record.created_at) ?? 0 };
}

function compareEntries(a: Entry, b: Entry): number {
  return compareKeys(a.ms, a.record.id, b.ms, b.record.id);
}

function positionOf(entry: Entry | undefined, side: Position['side']): Position {
  return { ms: entry?.ms ?? 0, id: entry?.record.id ?? 0, side };
}
