import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NIMBUS_KEY_HEADER } from './client.js';
import { NIMBUS_STATES, type NimbusState } from './mapping.js';

// A small stand-in for Nimbus's API, for the tests only: `GET /items?offset&limit&status` answers
// `{items, total}` newest first, ties by id highest number first, and `GET /items/{id}` one item.

export interface NimbusRecord {
  id: number;
  title: string;
  notes: string | null;
  state: NimbusState;
  owner: string | null;
  priority: number | null;
  /** Epoch seconds. */
  created: number;
}

export interface NimbusRequest {
  route: 'list' | 'detail' | 'other';
  /** The query string, without `?`. */
  query: string;
}

export interface NimbusFault {
  route?: 'list' | 'detail';
  /** How many matching requests fail; absent: until the returned function is called. */
  times?: number;
  /** Sent as `retry_in` in the body. */
  retryInSeconds?: number;
}

export interface NimbusSimulator {
  url: string;
  apiKey: string;
  setDataset(records: readonly NimbusRecord[]): void;
  /** Every campaign, in no particular order; a copy. */
  dataset(): NimbusRecord[];
  /** A new campaign at the head of the list (now, and never older than the newest), unless `created` is given. */
  createCampaign(input?: Partial<Omit<NimbusRecord, 'id'>>): NimbusRecord;
  /**
   * A new campaign created in the same second as campaign `id`. Its id is the highest yet, so it lists before
   * the other, or with `below` the lowest never issued, so it lists after it (unless `id` is lower still).
   */
  createTie(id: number, options?: { below?: boolean }): NimbusRecord | null;
  deleteCampaign(id: number): boolean;
  setStatus(id: number, state: NimbusState): NimbusRecord | null;
  /** Sends campaign `id` with these fields in place of its own (bad data, for the gateway's validation). */
  corrupt(id: number, fields: Record<string, unknown>): void;
  /** Answers 503 to matching requests; returns the function that stops it. */
  fail(fault?: NimbusFault): () => void;
  requests: { count(route?: NimbusRequest['route']): number; all(): readonly NimbusRequest[]; reset(): void };
  close(): Promise<void>;
}

export const NIMBUS_TEST_API_KEY = 'nimbus-test-key';

/** Nimbus's own order: newest first, then the higher id first. */
export function compareNimbus(a: NimbusRecord, b: NimbusRecord): number {
  return b.created - a.created || b.id - a.id;
}

export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST_SECOND = Date.UTC(2024, 0, 1) / 1000;
const LAST_SECOND = Date.UTC(2026, 10, 20) / 1000;

export interface GenerateNimbusOptions {
  count: number;
  seed: number;
  /** About one campaign in this many shares the second of an earlier one. @default 5 */
  tieEvery?: number;
  /** Epoch ms of other providers' campaigns: some Nimbus campaigns are created at these, for ties across providers. */
  alsoAt?: readonly number[];
}

/**
 * A repeatable dataset. Ids are drawn from 1 to 99 999, so ties mix ids of different lengths: the order
 * of 9 and 10 is where a numeric tie order and a text one disagree.
 */
export function generateNimbusDataset(options: GenerateNimbusOptions): NimbusRecord[] {
  const random = mulberry32(options.seed);
  const pick = (from: number, to: number) => from + Math.floor(random() * (to - from + 1));
  const tieEvery = options.tieEvery ?? 5;
  const used = new Set<number>();
  const records: NimbusRecord[] = [];
  for (let index = 0; index < options.count; index++) {
    let id = pick(1, 99_999);
    while (used.has(id)) id = pick(1, 99_999);
    used.add(id);
    const earlier = records[pick(0, records.length - 1)];
    const borrowed = options.alsoAt?.[pick(0, options.alsoAt.length - 1)];
    const created =
      earlier !== undefined && pick(1, tieEvery) === 1
        ? earlier.created
        : borrowed !== undefined && pick(1, 4) === 1
          ? Math.floor(borrowed / 1000)
          : pick(FIRST_SECOND, LAST_SECOND);
    records.push({
      id,
      title: `Nimbus campaign ${id}`,
      notes: pick(0, 1) === 0 ? null : `Notes for ${id}`,
      state: NIMBUS_STATES[pick(0, NIMBUS_STATES.length - 1)] ?? 'live',
      owner: pick(0, 2) === 0 ? null : `owner${pick(1, 9)}`,
      priority: pick(0, 5) || null,
      created,
    });
  }
  return records;
}

type Parsed = { offset: number; limit: number; state: NimbusState | null } | { error: string };

function parseList(query: URLSearchParams): Parsed {
  const repeated = ['offset', 'limit', 'status'].find((name) => query.getAll(name).length > 1);
  if (repeated !== undefined) return { error: `${repeated} must be given at most once` };
  const offset = query.get('offset');
  const limit = query.get('limit');
  const status = query.get('status');
  if (offset !== null && !/^\d{1,9}$/.test(offset)) return { error: 'offset must be a non-negative integer' };
  if (limit !== null && (!/^\d{1,3}$/.test(limit) || Number(limit) < 1 || Number(limit) > 100))
    return { error: 'limit must be an integer from 1 to 100' };
  const state = NIMBUS_STATES.find((candidate) => candidate === status) ?? null;
  if (status !== null && state === null)
    return { error: `status must be one of ${NIMBUS_STATES.join(', ')}` };
  return { offset: offset === null ? 0 : Number(offset), limit: limit === null ? 20 : Number(limit), state };
}

export async function startNimbusSimulator(
  options: { apiKey?: string; dataset?: readonly NimbusRecord[]; now?: () => number } = {},
): Promise<NimbusSimulator> {
  const apiKey = options.apiKey ?? NIMBUS_TEST_API_KEY;
  const now = options.now ?? Date.now;
  // Kept sorted in Nimbus's order, so that a list is a filter and a slice.
  let sorted: NimbusRecord[] = [];
  let log: NimbusRequest[] = [];
  const faults = new Set<{ fault: NimbusFault; left: number }>();

  // Every id the dataset has held, deleted ones included: a new campaign never takes a deleted one's id,
  // so a walk that shows an id twice has seen the gateway repeat a campaign, not two under one name.
  const issuedIds = new Set<number>();

  // Fields sent in place of a campaign's own, by id: how a test makes Nimbus send bad data.
  const corrupted = new Map<number, Record<string, unknown>>();
  const render = (record: NimbusRecord) => ({ ...record, ...corrupted.get(record.id) });
  const setDataset = (records: readonly NimbusRecord[]) => {
    if (new Set(records.map((record) => record.id)).size !== records.length) {
      throw new RangeError('Nimbus ids must be unique');
    }
    sorted = records.map((record) => ({ ...record })).sort(compareNimbus);
    issuedIds.clear();
    for (const record of sorted) issuedIds.add(record.id);
    corrupted.clear();
  };
  setDataset(options.dataset ?? generateNimbusDataset({ count: 50, seed: 1 }));

  const insert = (record: NimbusRecord) => {
    issuedIds.add(record.id);
    const at = sorted.findIndex((other) => compareNimbus(record, other) < 0);
    sorted.splice(at < 0 ? sorted.length : at, 0, record);
    return { ...record };
  };
  const highestId = () => {
    let highest = 0;
    for (const id of issuedIds) highest = Math.max(highest, id);
    return highest;
  };
  const lowestFreeId = () => {
    let id = 1;
    while (issuedIds.has(id)) id++;
    return id;
  };
  const find = (id: number) => sorted.findIndex((record) => record.id === id);

  const createCampaign = (input: Partial<Omit<NimbusRecord, 'id'>> = {}): NimbusRecord => {
    const id = highestId() + 1;
    // The highest id wins a tie with the head, so "now" may equal the newest second and still lead.
    const created = input.created ?? Math.max(Math.floor(now() / 1000), sorted[0]?.created ?? 0);
    return insert({
      title: `Nimbus campaign ${id}`,
      notes: null,
      state: 'live',
      owner: null,
      priority: null,
      ...input,
      id,
      created,
    });
  };

  const createTie = (id: number, tieOptions: { below?: boolean } = {}): NimbusRecord | null => {
    const target = sorted[find(id)];
    if (target === undefined) return null;
    const newId = tieOptions.below === true ? lowestFreeId() : highestId() + 1;
    return insert({ ...target, id: newId, title: `Nimbus campaign ${newId}` });
  };

  const deleteCampaign = (id: number): boolean => {
    const index = find(id);
    if (index < 0) return false;
    sorted.splice(index, 1);
    return true;
  };

  const setStatus = (id: number, state: NimbusState): NimbusRecord | null => {
    const record = sorted[find(id)];
    if (record === undefined) return null;
    record.state = state;
    return { ...record };
  };

  const send = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };

  const failing = (route: NimbusRequest['route']): NimbusFault | null => {
    for (const entry of faults) {
      if (entry.fault.route !== undefined && entry.fault.route !== route) continue;
      entry.left -= 1;
      if (entry.left <= 0) faults.delete(entry);
      return entry.fault;
    }
    return null;
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://nimbus.invalid');
    const detail = /^\/items\/([^/]+)$/.exec(url.pathname);
    const route = url.pathname === '/items' ? 'list' : detail !== null ? 'detail' : 'other';
    log.push({ route, query: url.search.slice(1) });
    const fault = failing(route);
    if (fault !== null) {
      return send(response, 503, {
        error: 'temporarily unavailable',
        ...(fault.retryInSeconds === undefined ? {} : { retry_in: fault.retryInSeconds }),
      });
    }
    if (request.headers[NIMBUS_KEY_HEADER] !== apiKey) return send(response, 401, { error: 'bad key' });
    if (request.method !== 'GET') return send(response, 405, { error: 'only GET' });
    if (route === 'other') return send(response, 404, { error: 'no such endpoint' });
    if (detail !== null) {
      const id = detail[1] ?? '';
      const record = /^\d{1,15}$/.test(id) ? sorted[find(Number(id))] : undefined;
      return record === undefined
        ? send(response, 404, { error: 'not found' })
        : send(response, 200, render(record));
    }
    const parsed = parseList(url.searchParams);
    if ('error' in parsed) return send(response, 400, parsed);
    const matching =
      parsed.state === null ? sorted : sorted.filter((record) => record.state === parsed.state);
    send(response, 200, {
      items: matching.slice(parsed.offset, parsed.offset + parsed.limit).map(render),
      total: matching.length,
    });
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    setDataset,
    dataset: () => sorted.map((record) => ({ ...record })),
    createCampaign,
    createTie,
    deleteCampaign,
    setStatus,
    corrupt: (id, fields) => {
      corrupted.set(id, fields);
    },
    fail: (fault = {}) => {
      const entry = { fault, left: fault.times ?? Number.POSITIVE_INFINITY };
      faults.add(entry);
      return () => faults.delete(entry);
    },
    requests: {
      count: (route) =>
        route === undefined ? log.length : log.filter((entry) => entry.route === route).length,
      all: () => log,
      reset: () => {
        log = [];
      },
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
