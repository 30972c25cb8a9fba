import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AlturSimulator } from '../../tools/simulators/altur.js';
import { startAlturSimulator } from '../../tools/simulators/altur.js';
import type { AlturCampaignRecord } from '../../tools/simulators/data.js';
import { generateAlturDataset } from '../../tools/simulators/data.js';
import { arr, get, manualClock, obj } from './helpers.js';

const dataset = generateAlturDataset({ count: 95, seed: 7, tieEvery: 4 });

function expectedOrder(records: readonly AlturCampaignRecord[]): number[] {
  return [...records]
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id)
    .map((record) => record.id);
}

const ids = (body: Record<string, unknown>): number[] =>
  arr(body.campaigns).map((item) => Number(obj(item).id));

describe('Altur simulator', () => {
  let sim: AlturSimulator;
  let auth: string;

  beforeAll(async () => {
    sim = await startAlturSimulator({ dataset, drift: 'seed', timestamps: 'iso', rateLimit: false });
    auth = `api-key ${sim.apiKey}`;
  });
  afterAll(() => sim.close());
  afterEach(() => sim.requests.reset());

  const list = async (query: Record<string, string> = {}) => get(`${sim.url}/campaigns`, auth, query);

  it('listens on 127.0.0.1 under /api/v1.0', () => {
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}/api/v1.0`);
  });

  it.each([
    ['no header', null],
    ['a wrong key', 'api-key nope'],
    ['the wrong scheme', 'Bearer altur-demo-key'],
  ])('rejects %s with 401', async (_, authorization) => {
    const response = await get(`${sim.url}/campaigns`, authorization);
    expect(response.status).toBe(401);
    expect(response.json).toEqual({ detail: 'Invalid API key' });
  });

  it.each([
    [{ pageSize: '101' }],
    [{ pageSize: '0' }],
    [{ pageSize: 'ten' }],
    [{ status: 'Running' }],
    [{ integration: 'sms' }],
    [{ startDate: '2025-01-01T00:00:00Z' }],
    [{ endDate: '2025-01-01T00:00:00Z' }],
    [{ startDate: 'yesterday', endDate: '2025-01-01T00:00:00Z' }],
    [{ startDate: '2025-02-01T00:00:00Z', endDate: '2025-01-01T00:00:00Z' }],
    [{ archived: 'yes' }],
    [{ direction: 'backwards' }],
  ])('answers 422 with a detail for %o', async (query) => {
    const response = await list(query);
    expect(response.status).toBe(422);
    expect(typeof obj(response.json).detail).toBe('string');
  });

  it('rejects a repeated parameter', async () => {
    const response = await get(`${sim.url}/campaigns?status=active&status=ready`, auth);
    expect(response.status).toBe(422);
  });

  it('walks forward to the end and back, every item exactly once and in order', async () => {
    const expected = expectedOrder(dataset.filter((record) => !record.archived));
    const forward: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    for (;;) {
      const query: Record<string, string> = cursor === null ? { pageSize: '10' } : { pageSize: '10', cursor };
      const body = obj((await list(query)).json);
      const pagination = obj(body.pagination);
      forward.push(...ids(body));
      pages += 1;
      expect(pagination.has_previous).toBe(pages > 1);
      if (pagination.has_more !== true) {
        expect(pagination.next_cursor).toBeNull();
        cursor = String(pagination.previous_cursor);
        break;
      }
      cursor = String(pagination.next_cursor);
    }
    expect(forward).toEqual(expected);

    // Back from the last page's previous_cursor: pages arrive newest-first within, older-first overall.
    const lastPageSize = expected.length % 10 || 10;
    const backward: number[] = expected.slice(-lastPageSize);
    for (;;) {
      const body = obj((await list({ pageSize: '10', cursor, direction: 'previous' })).json);
      const pagination = obj(body.pagination);
      backward.unshift(...ids(body));
      expect(pagination.has_more).toBe(true);
      if (pagination.has_previous !== true) {
        expect(pagination.previous_cursor).toBeNull();
        break;
      }
      cursor = String(pagination.previous_cursor);
    }
    expect(backward).toEqual(expected);
  });

  it('returns the last page for direction=previous without a cursor', async () => {
    const expected = expectedOrder(dataset.filter((record) => !record.archived));
    const body = obj((await list({ pageSize: '10', direction: 'previous' })).json);
    expect(ids(body)).toEqual(expected.slice(-10));
    expect(body.total_count).toBeUndefined();
    const pagination = obj(body.pagination);
    expect(pagination).toMatchObject({ has_more: false, has_previous: true, next_cursor: null });
    expect(typeof pagination.previous_cursor).toBe('string');
  });

  it('accepts a cursor with either direction', async () => {
    const first = obj((await list({ pageSize: '5' })).json);
    const nextCursor = String(obj(first.pagination).next_cursor);
    const back = obj((await list({ pageSize: '5', cursor: nextCursor, direction: 'previous' })).json);
    expect(ids(back)).toEqual(ids(first));
    expect(obj(back.pagination)).toMatchObject({
      has_previous: false,
      previous_cursor: null,
      has_more: true,
    });
  });

  it('keeps cursors as keyset positions when the data changes under them', async () => {
    const local = await startAlturSimulator({
      rateLimit: false,
      dataset: [
        { id: 5, created_at: '2025-05-05T00:00:00Z' },
        { id: 4, created_at: '2025-04-04T00:00:00Z' },
        { id: 3, created_at: '2025-03-03T00:00:00Z' },
      ],
    });
    try {
      const key = `api-key ${local.apiKey}`;
      const first = obj((await get(`${local.url}/campaigns`, key, { pageSize: '1' })).json);
      const cursor = String(obj(first.pagination).next_cursor);
      local.setDataset([
        { id: 5, created_at: '2025-05-05T00:00:00Z' },
        { id: 6, created_at: '2025-04-20T00:00:00Z' },
        { id: 3, created_at: '2025-03-03T00:00:00Z' },
      ]);
      const second = obj((await get(`${local.url}/campaigns`, key, { pageSize: '5', cursor })).json);
      expect(ids(second)).toEqual([6, 3]);
    } finally {
      await local.close();
    }
  });

  it('rejects garbage cursors and cursors issued under other filters with 400', async () => {
    const first = obj((await list({ pageSize: '5', status: 'active' })).json);
    const cursor = String(obj(first.pagination).next_cursor);
    for (const query of [
      { cursor: 'not-a-cursor' },
      { cursor: '!!!' },
      { cursor: Buffer.from('[1,2,3]').toString('base64url') },
      { cursor, status: 'finished' },
      { cursor },
      { cursor, status: 'active', archived: 'true' },
    ]) {
      const response = await list(query);
      expect(response.status, JSON.stringify(query)).toBe(400);
      expect(response.json).toEqual({ detail: 'Invalid cursor' });
    }
    expect((await list({ cursor, status: 'active', archived: 'false', pageSize: '7' })).status).toBe(200);
  });

  it('filters by status, integration, agent and archived', async () => {
    for (const status of ['active', 'finished', 'pending'] as const) {
      const body = obj((await list({ status, pageSize: '100' })).json);
      const expected = expectedOrder(dataset.filter((r) => r.status === status && !r.archived));
      expect(ids(body)).toEqual(expected);
      expect(body.total_count).toBe(expected.length);
    }
    const whatsapp = obj((await list({ integration: 'whatsapp', pageSize: '100' })).json);
    expect(ids(whatsapp)).toEqual(
      expectedOrder(dataset.filter((r) => r.integration === 'whatsapp' && !r.archived)),
    );
    const agentId = dataset[0]?.agent?.id ?? '';
    const byAgent = obj((await list({ agent_id: agentId, pageSize: '100' })).json);
    expect(ids(byAgent)).toEqual(
      expectedOrder(dataset.filter((r) => r.agent?.id === agentId && !r.archived)),
    );
    const withArchived = obj((await list({ archived: 'true', pageSize: '100' })).json);
    expect(ids(withArchived)).toEqual(expectedOrder(dataset));
    expect(dataset.some((r) => r.archived)).toBe(true);
  });

  it('filters by an inclusive created_at range', async () => {
    const ordered = [...dataset].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
    const from = ordered[20]?.created_at ?? '';
    const to = ordered[60]?.created_at ?? '';
    const body = obj((await list({ startDate: from, endDate: to, archived: 'true', pageSize: '100' })).json);
    const expected = expectedOrder(
      dataset.filter(
        (r) => Date.parse(r.created_at) >= Date.parse(from) && Date.parse(r.created_at) <= Date.parse(to),
      ),
    );
    expect(expected.length).toBeGreaterThanOrEqual(41);
    expect(ids(body)).toEqual(expected);
  });

  it('sends total_count only on the first page, and always when asked', async () => {
    const first = obj((await list({ pageSize: '10' })).json);
    expect(first.total_count).toBe(dataset.filter((r) => !r.archived).length);
    const second = obj(
      (await list({ pageSize: '10', cursor: String(obj(first.pagination).next_cursor) })).json,
    );
    expect(second).not.toHaveProperty('total_count');

    const always = await startAlturSimulator({ dataset, totalCount: 'always', rateLimit: false });
    try {
      const key = `api-key ${always.apiKey}`;
      const page = obj((await get(`${always.url}/campaigns`, key, { direction: 'previous' })).json);
      expect(page.total_count).toBe(first.total_count);
    } finally {
      await always.close();
    }
  });

  it('returns the detail with integration, nested cycles and analytics', async () => {
    const record = dataset.find((r) => r.cycle_enabled && r.last_iteration_at !== null) ?? dataset[0];
    if (record === undefined) throw new Error('empty dataset');
    const response = await get(`${sim.url}/campaigns/${record.id}`, auth);
    expect(response.status).toBe(200);
    const body = obj(response.json);
    expect(body.success).toBe(true);
    const campaign = obj(body.campaign);
    expect(campaign).toMatchObject({
      id: record.id,
      name: record.name,
      created_at: record.created_at,
      integration: { id: record.integration_id, type: record.integration },
      cycles: {
        enabled: record.cycle_enabled,
        max_iterations: record.cycle_max_iterations,
        cooldown_minutes: record.cycle_cooldown,
        filter_statuses: record.cycle_status_filters,
        filter_tags: record.cycle_tag_filters,
        current_iteration: record.cycle_current_iteration,
        last_iteration_at: record.last_iteration_at,
      },
      analytics: { calls: record.analytics.calls },
    });
    expect(Object.keys(campaign).filter((key) => key.startsWith('cycle_'))).toEqual([]);
    expect(campaign).not.toHaveProperty('last_iteration_at');
  });

  it('answers 404 for an unknown id and 422 for a non-integer one', async () => {
    const missing = await get(`${sim.url}/campaigns/999999`, auth);
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ detail: 'Campaign not found' });
    expect((await get(`${sim.url}/campaigns/abc`, auth)).status).toBe(422);
  });

  it('hides the integration from list items', async () => {
    const body = obj((await list({ pageSize: '3' })).json);
    for (const item of arr(body.campaigns)) expect(obj(item)).not.toHaveProperty('integration');
  });

  it('counts requests by route', async () => {
    await list();
    await list({ pageSize: '3' });
    await get(`${sim.url}/campaigns/${dataset[0]?.id}`, auth);
    await get(`${sim.url}/nowhere`, auth);
    expect(sim.requests.count()).toBe(4);
    expect(sim.requests.count({ route: 'list' })).toBe(2);
    expect(sim.requests.count({ route: 'detail' })).toBe(1);
    expect(sim.requests.count({ route: 'other', status: 404 })).toBe(1);
    const [firstRequest] = sim.requests.all({ route: 'list' });
    expect(firstRequest).toMatchObject({ method: 'GET', path: '/api/v1.0/campaigns', status: 200 });
    sim.requests.reset();
    expect(sim.requests.count()).toBe(0);
  });

  it('serves the new data after setDataset, despite the response cache', async () => {
    const local = await startAlturSimulator({ count: 10, seed: 3, rateLimit: false });
    try {
      const key = `api-key ${local.apiKey}`;
      const before = obj((await get(`${local.url}/campaigns`, key)).json);
      expect(before.total_count).toBe(local.dataset().filter((r) => !r.archived).length);
      local.setDataset([{ id: 1, archived: false }]);
      const after = obj((await get(`${local.url}/campaigns`, key)).json);
      expect(after.total_count).toBe(1);
      expect(ids(after)).toEqual([1]);
    } finally {
      await local.close();
    }
  });
});

describe('Altur field drift', () => {
  const records = generateAlturDataset({ count: 40, seed: 11 });

  async function firstPage(options: Parameters<typeof startAlturSimulator>[0]) {
    const sim = await startAlturSimulator({ ...options, dataset: records, rateLimit: false });
    try {
      return obj((await get(`${sim.url}/campaigns`, `api-key ${sim.apiKey}`, { pageSize: '40' })).json);
    } finally {
      await sim.close();
    }
  }

  it('uses the newer spellings everywhere with drift=newer', async () => {
    const body = await firstPage({ drift: 'newer' });
    expect(obj(body.pagination)).toHaveProperty('has_next');
    expect(obj(body.pagination)).not.toHaveProperty('has_more');
    for (const raw of arr(body.campaigns)) {
      const item = obj(raw);
      expect(Object.keys(item)).toEqual(
        expect.arrayContaining([
          'concurrency_limit',
          'cycle_cooldown_minutes',
          'cycle_filter_statuses',
          'cycle_filter_tags',
          'cycle_last_iteration_at',
        ]),
      );
      expect(item).not.toHaveProperty('concurrency');
      expect(item).not.toHaveProperty('cycle_cooldown');
      expect(item).not.toHaveProperty('last_iteration_at');
      expect(obj(obj(item.scheduling).mon)).toHaveProperty('stopTime');
    }
  });

  it('mixes spellings per item with drift=mixed, and some zone-less timestamps', async () => {
    const body = await firstPage({});
    const items = arr(body.campaigns).map(obj);
    expect(items.some((item) => 'concurrency' in item)).toBe(true);
    expect(items.some((item) => 'concurrency_limit' in item)).toBe(true);
    const zoneless = items.filter((item) =>
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(String(item.created_at)),
    );
    expect(zoneless.length).toBeGreaterThan(0);
    expect(zoneless.length).toBeLessThan(items.length);
    for (const item of zoneless) {
      const record = records.find((r) => r.id === item.id);
      expect(Date.parse(`${String(item.created_at).replace(' ', 'T')}Z`)).toBe(
        Date.parse(record?.created_at ?? ''),
      );
    }
  });

  it('keeps the seed spellings with drift=seed', async () => {
    const body = await firstPage({ drift: 'seed', timestamps: 'iso' });
    expect(obj(body.pagination)).toHaveProperty('has_more');
    for (const raw of arr(body.campaigns)) {
      const item = obj(raw);
      expect(item).toHaveProperty('cycle_cooldown');
      expect(item).toHaveProperty('last_iteration_at');
      expect(String(item.created_at)).toMatch(/Z$/);
    }
  });
});

describe('Altur rate limit', () => {
  it('allows 12 requests per sliding second per key, then 429 without Retry-After', async () => {
    const clock = manualClock();
    const sim = await startAlturSimulator({ count: 5, seed: 1, now: clock.now });
    try {
      const auth = `api-key ${sim.apiKey}`;
      const statuses: number[] = [];
      for (let i = 0; i < 13; i++) statuses.push((await get(`${sim.url}/campaigns`, auth)).status);
      expect(statuses.slice(0, 12)).toEqual(Array(12).fill(200));
      const limited = await get(`${sim.url}/campaigns`, auth);
      expect(limited.status).toBe(429);
      expect(limited.json).toEqual({ detail: 'Rate limit exceeded' });
      expect(limited.headers['retry-after']).toBeUndefined();
      expect(sim.requests.maxInWindow(1000)).toBe(14);
      expect(sim.requests.count({ status: 429 })).toBe(2);

      clock.advance(999);
      expect((await get(`${sim.url}/campaigns`, auth)).status).toBe(429);
      clock.advance(1);
      expect((await get(`${sim.url}/campaigns`, auth)).status).toBe(200);
      expect(sim.requests.maxInWindow(1000)).toBe(15);
      expect(sim.requests.maxInWindow(1)).toBe(14);

      sim.setRateLimit(false);
      for (let i = 0; i < 20; i++) expect((await get(`${sim.url}/campaigns`, auth)).status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('measures the busiest window over real time', async () => {
    const sim = await startAlturSimulator({ count: 5, seed: 1, rateLimit: false });
    try {
      const auth = `api-key ${sim.apiKey}`;
      await Promise.all(Array.from({ length: 5 }, () => get(`${sim.url}/campaigns`, auth)));
      await new Promise((resolve) => setTimeout(resolve, 120));
      await Promise.all(Array.from({ length: 3 }, () => get(`${sim.url}/campaigns`, auth)));
      expect(sim.requests.maxInWindow(100)).toBe(5);
      expect(sim.requests.maxInWindow(10_000)).toBe(8);
    } finally {
      await sim.close();
    }
  });
});
