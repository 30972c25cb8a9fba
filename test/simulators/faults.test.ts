import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AlturSimulator } from '../../tools/simulators/altur.js';
import { startAlturSimulator } from '../../tools/simulators/altur.js';
import { startAuralytikSimulator } from '../../tools/simulators/auralytik.js';
import { FaultController } from '../../tools/simulators/faults.js';
import { arr, get, isRecord, obj } from './helpers.js';

describe('faults on the Altur simulator', () => {
  let sim: AlturSimulator;
  let auth: string;
  let listUrl: string;
  let detailUrl: string;

  beforeAll(async () => {
    sim = await startAlturSimulator({ count: 30, seed: 9, rateLimit: false });
    auth = `api-key ${sim.apiKey}`;
    listUrl = `${sim.url}/campaigns`;
    detailUrl = `${sim.url}/campaigns/${sim.dataset()[0]?.id}`;
  });
  afterAll(() => sim.close());
  afterEach(() => {
    sim.faults.clear();
    sim.requests.reset();
  });

  it('answers with a status for the given number of times, then normally', async () => {
    sim.faults.add({ status: 503, times: 2 });
    expect((await get(listUrl, auth)).status).toBe(503);
    const second = await get(listUrl, auth);
    expect(second.status).toBe(503);
    expect(second.json).toEqual({ detail: 'Service Unavailable' });
    expect((await get(listUrl, auth)).status).toBe(200);
    expect(sim.faults.list()).toEqual([]);
    expect(sim.requests.count({ status: 503 })).toBe(2);
  });

  it('sends custom bodies and headers: an HTML 502, a 429 with Retry-After', async () => {
    sim.faults.add({ status: 502, body: '<html><body>Bad Gateway</body></html>', times: 1 });
    sim.faults.add({ status: 429, headers: { 'Retry-After': '7' }, times: 1 });
    const html = await get(listUrl, auth);
    expect(html.status).toBe(502);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.text).toContain('Bad Gateway');
    const limited = await get(listUrl, auth);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('7');
  });

  it('limits a rule to a route, and applies rules in order', async () => {
    sim.faults.add({ route: 'detail', status: 500 });
    sim.faults.add({ status: 504 });
    expect((await get(detailUrl, auth)).status).toBe(500);
    expect((await get(listUrl, auth)).status).toBe(504);
  });

  it('narrows a rule with when()', async () => {
    sim.faults.add({ status: 500, when: (req) => req.query.get('pageSize') === '3' });
    expect((await get(listUrl, auth, { pageSize: '3' })).status).toBe(500);
    expect((await get(listUrl, auth, { pageSize: '4' })).status).toBe(200);
  });

  it('fires before authentication, like a proxy in front of the API', async () => {
    sim.faults.add({ status: 502, times: 1 });
    expect((await get(listUrl, null)).status).toBe(502);
  });

  it('returns malformed, truncated and empty bodies with status 200', async () => {
    sim.faults.add({ malformedJson: true, times: 1 });
    sim.faults.add({ truncatedJson: true, times: 1 });
    sim.faults.add({ emptyBody: true, times: 1 });
    const malformed = await get(listUrl, auth);
    expect(malformed.status).toBe(200);
    expect(malformed.text.length).toBeGreaterThan(0);
    expect(malformed.json).toBeUndefined();
    const truncated = await get(listUrl, auth);
    expect(truncated.status).toBe(200);
    expect(truncated.text.startsWith('{"total_count"')).toBe(true);
    expect(truncated.json).toBeUndefined();
    const empty = await get(listUrl, auth);
    expect(empty.status).toBe(200);
    expect(empty.text).toBe('');
    expect((await get(listUrl, auth)).json).toBeDefined();
  });

  it('resets the connection in the middle of the body', async () => {
    sim.faults.add({ resetMidBody: true, times: 1 });
    const response = await request(listUrl, { headers: { authorization: auth } });
    expect(response.statusCode).toBe(200);
    await expect(response.body.text()).rejects.toThrow();
    expect((await get(listUrl, auth)).status).toBe(200);
  });

  it('delays the normal answer', async () => {
    sim.faults.add({ delayMs: 150, times: 1 });
    const started = performance.now();
    const response = await get(listUrl, auth);
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('trickles a valid body', async () => {
    sim.faults.add({ trickle: { chunkBytes: 2048, intervalMs: 20 }, times: 1 });
    const started = performance.now();
    const response = await get(listUrl, auth, { pageSize: '30' });
    expect(response.status).toBe(200);
    expect(arr(obj(response.json).campaigns).length).toBeGreaterThan(0);
    const chunks = Math.ceil(Buffer.byteLength(response.text) / 2048);
    expect(chunks).toBeGreaterThan(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual((chunks - 1) * 20 - 5);
  });

  it('pads the body to an oversized but valid JSON document', async () => {
    sim.faults.add({ oversizedBytes: 200_000, times: 1 });
    const response = await get(listUrl, auth);
    expect(Buffer.byteLength(response.text)).toBe(200_000);
    expect(response.headers['content-length']).toBe('200000');
    expect(obj(response.json).campaigns).toBeDefined();
  });

  it('transforms the body to simulate schema drift', async () => {
    sim.faults.add({
      route: 'list',
      transformBody: (body) => {
        if (!isRecord(body) || !Array.isArray(body.campaigns)) return body;
        return {
          ...body,
          campaigns: body.campaigns.map((item: unknown, index) =>
            isRecord(item) ? { ...item, status: index === 0 ? 'exploded' : item.status, name: null } : item,
          ),
        };
      },
    });
    const body = obj((await get(listUrl, auth, { pageSize: '2' })).json);
    const [first, second] = arr(body.campaigns).map(obj);
    expect(first).toMatchObject({ status: 'exploded', name: null });
    expect(second?.name).toBeNull();
    // The cached normal body must not have been altered.
    sim.faults.clear();
    const clean = obj((await get(listUrl, auth, { pageSize: '2' })).json);
    expect(typeof obj(arr(clean.campaigns)[0]).name).toBe('string');
  });

  it('removes a single rule through the function add() returns', async () => {
    const remove = sim.faults.add({ status: 500 });
    expect((await get(listUrl, auth)).status).toBe(500);
    remove();
    expect((await get(listUrl, auth)).status).toBe(200);
  });
});

describe('hanging requests', () => {
  it('never answers, and close() still completes and cuts the client off', async () => {
    const sim = await startAuralytikSimulator({ count: 3, seed: 1 });
    sim.faults.add({ hang: true });
    const pending = request(`${sim.url}/campaigns`, { headers: { authorization: `Bearer ${sim.apiKey}` } });
    const outcome = pending.then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.requests.count()).toBe(1);
    expect(sim.requests.all()[0]?.status).toBeNull();
    const started = performance.now();
    await sim.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await outcome).toBe('failed');
    await sim.close();
  });

  it('cancels delayed answers on close()', async () => {
    const sim = await startAuralytikSimulator({ count: 3, seed: 1 });
    sim.faults.add({ delayMs: 60_000 });
    const outcome = request(`${sim.url}/campaigns`, {
      headers: { authorization: `Bearer ${sim.apiKey}` },
    }).then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await sim.close();
    expect(await outcome).toBe('failed');
  });
});

describe('FaultController', () => {
  it('rejects nonsense rules', () => {
    const faults = new FaultController();
    expect(() => faults.add({ status: 5000 })).toThrow(RangeError);
    expect(() => faults.add({ status: 500, times: 0 })).toThrow(RangeError);
    expect(() => faults.add({ trickle: { chunkBytes: 0, intervalMs: 1 } })).toThrow(RangeError);
    expect(() => faults.add({ delayMs: -1 })).toThrow(RangeError);
    expect(faults.list()).toEqual([]);
  });
});
