import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuralytikSimulator } from '../../tools/simulators/auralytik.js';
import { startAuralytikSimulator } from '../../tools/simulators/auralytik.js';
import type { AuralytikCampaignRecord } from '../../tools/simulators/data.js';
import { generateAuralytikDataset } from '../../tools/simulators/data.js';
import { arr, get, manualClock, obj } from './helpers.js';

const dataset = generateAuralytikDataset({ count: 57, seed: 5, tieEvery: 3 });

function expectedOrder(records: readonly AuralytikCampaignRecord[]): string[] {
  return [...records]
    .sort(
      (a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
    )
    .map((record) => record.id);
}

const ids = (body: Record<string, unknown>): string[] => arr(body.data).map((item) => String(obj(item).id));

describe('Auralytik simulator (flat list, bare detail)', () => {
  let sim: AuralytikSimulator;
  let auth: string;

  beforeAll(async () => {
    sim = await startAuralytikSimulator({ dataset });
    auth = `Bearer ${sim.apiKey}`;
  });
  afterAll(() => sim.close());
  afterEach(() => sim.requests.reset());

  const list = (query: Record<string, string> = {}) => get(`${sim.url}/campaigns`, auth, query);

  it('listens under /v1', () => {
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}/v1`);
  });

  it.each([
    ['no header', null],
    ['a wrong key', 'Bearer nope'],
    ['the wrong scheme', 'api-key auralytik-demo-key'],
  ])('rejects %s with 401 and an error object', async (_, authorization) => {
    const response = await get(`${sim.url}/campaigns`, authorization);
    expect(response.status).toBe(401);
    const error = obj(obj(response.json).error);
    expect(error.code).toBe('UNAUTHORIZED');
    expect(typeof error.message).toBe('string');
    expect(String(error.requestId)).toMatch(/^req_/);
  });

  it.each([
    [{ status: 'running' }],
    [{ page: '0' }],
    [{ page: '-1' }],
    [{ page: 'two' }],
    [{ pageSize: '101' }],
    [{ pageSize: '0' }],
    [{ dateFrom: 'last week' }],
    [{ dateTo: '2025-13-01' }],
    [{ dateFrom: '2025-02-01T00:00:00Z', dateTo: '2025-01-01T00:00:00Z' }],
  ])('answers 400 VALIDATION_ERROR for %o', async (query) => {
    const response = await list(query);
    expect(response.status).toBe(400);
    expect(obj(obj(response.json).error).code).toBe('VALIDATION_ERROR');
  });

  it('pages newest first with ties by id descending, every item once', async () => {
    const expected = expectedOrder(dataset);
    const seen: string[] = [];
    for (let page = 1; page <= 6; page++) {
      const body = obj((await list({ page: String(page), pageSize: '10' })).json);
      expect(body).toMatchObject({ page, pageSize: 10, totalCount: 57 });
      expect(arr(body.data)).toHaveLength(page === 6 ? 7 : 10);
      seen.push(...ids(body));
    }
    expect(seen).toEqual(expected);
    const beyond = obj((await list({ page: '7', pageSize: '10' })).json);
    expect(beyond).toEqual({ data: [], page: 7, pageSize: 10, totalCount: 57 });
  });

  it('defaults to page 1 of 25', async () => {
    const body = obj((await list()).json);
    expect(body).toMatchObject({ page: 1, pageSize: 25, totalCount: 57 });
    expect(ids(body)).toEqual(expectedOrder(dataset).slice(0, 25));
  });

  it('filters by status, exact channelType and either date bound alone', async () => {
    const paused = obj((await list({ status: 'Paused', pageSize: '100' })).json);
    expect(ids(paused)).toEqual(expectedOrder(dataset.filter((r) => r.status === 'Paused')));
    const whatsapp = obj((await list({ channelType: 'WhatsApp', pageSize: '100' })).json);
    expect(ids(whatsapp)).toEqual(expectedOrder(dataset.filter((r) => r.channelType === 'WhatsApp')));
    expect(obj((await list({ channelType: 'whatsapp' })).json).totalCount).toBe(0);

    const pivot = expectedOrder(dataset)[20] ?? '';
    const pivotAt = dataset.find((r) => r.id === pivot)?.createdAt ?? '';
    const from = obj((await list({ dateFrom: pivotAt, pageSize: '100' })).json);
    expect(ids(from)).toEqual(
      expectedOrder(dataset.filter((r) => Date.parse(r.createdAt) >= Date.parse(pivotAt))),
    );
    const to = obj((await list({ dateTo: pivotAt, pageSize: '100' })).json);
    expect(ids(to)).toEqual(
      expectedOrder(dataset.filter((r) => Date.parse(r.createdAt) <= Date.parse(pivotAt))),
    );
    expect(ids(from)).toContain(pivot);
    expect(ids(to)).toContain(pivot);
  });

  it('returns a bare campaign object for the detail, and 404 for an unknown id', async () => {
    const record = dataset[3];
    if (record === undefined) throw new Error('empty dataset');
    const response = await get(`${sim.url}/campaigns/${record.id}`, auth);
    expect(response.status).toBe(200);
    expect(response.json).toEqual(record);
    const missing = await get(`${sim.url}/campaigns/camp_nothere`, auth);
    expect(missing.status).toBe(404);
    expect(obj(obj(missing.json).error).code).toBe('NOT_FOUND');
  });

  it('counts list and detail requests', async () => {
    await list();
    await list({ page: '2' });
    await get(`${sim.url}/campaigns/${dataset[0]?.id}`, auth);
    expect(sim.requests.count({ route: 'list' })).toBe(2);
    expect(sim.requests.count({ route: 'detail' })).toBe(1);
    expect(sim.requests.all({ route: 'list' }).map((r) => r.query.get('page'))).toEqual([null, '2']);
  });
});

describe('Auralytik wrapped shapes', () => {
  it('wraps the list with meta and pagination, and the detail in data', async () => {
    const sim = await startAuralytikSimulator({ dataset, listShape: 'wrapped', detailShape: 'wrapped' });
    try {
      const auth = `Bearer ${sim.apiKey}`;
      const body = obj((await get(`${sim.url}/campaigns`, auth, { page: '3', pageSize: '20' })).json);
      expect(body.pagination).toEqual({ page: 3, pageSize: 20, totalCount: 57, totalPages: 3 });
      expect(ids(body)).toEqual(expectedOrder(dataset).slice(40, 57));
      const meta = obj(body.meta);
      expect(String(meta.requestId)).toMatch(/^req_/);
      expect(Number.isNaN(Date.parse(String(meta.timestamp)))).toBe(false);
      const again = obj((await get(`${sim.url}/campaigns`, auth, { page: '3', pageSize: '20' })).json);
      expect(obj(again.meta).requestId).not.toBe(meta.requestId);

      const record = dataset[0];
      const detail = await get(`${sim.url}/campaigns/${record?.id}`, auth);
      expect(detail.json).toEqual({ data: record });
    } finally {
      await sim.close();
    }
  });
});

describe('Auralytik rate limit', () => {
  it('is off by default', async () => {
    const sim = await startAuralytikSimulator({ count: 3, seed: 1 });
    try {
      const auth = `Bearer ${sim.apiKey}`;
      const statuses = await Promise.all(
        Array.from({ length: 30 }, async () => (await get(`${sim.url}/campaigns`, auth)).status),
      );
      expect(new Set(statuses)).toEqual(new Set([200]));
    } finally {
      await sim.close();
    }
  });

  it('answers 429 with Retry-After and retryAfter when enabled', async () => {
    const clock = manualClock();
    const sim = await startAuralytikSimulator({
      count: 3,
      seed: 1,
      now: clock.now,
      rateLimit: { limit: 2, windowMs: 2500 },
    });
    try {
      const auth = `Bearer ${sim.apiKey}`;
      expect((await get(`${sim.url}/campaigns`, auth)).status).toBe(200);
      clock.advance(200);
      expect((await get(`${sim.url}/campaigns`, auth)).status).toBe(200);
      clock.advance(100);
      const limited = await get(`${sim.url}/campaigns`, auth);
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBe('3');
      expect(obj(obj(limited.json).error)).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', retryAfter: 3 });
      clock.advance(2200);
      expect((await get(`${sim.url}/campaigns`, auth)).status).toBe(200);
    } finally {
      await sim.close();
    }
  });
});
