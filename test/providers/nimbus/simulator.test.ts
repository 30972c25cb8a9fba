import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { descendingDecimal, descendingText } from '../../../src/pagination/order.js';
import { NIMBUS_KEY_HEADER } from './client.js';
import {
  generateNimbusDataset,
  type NimbusRecord,
  type NimbusSimulator,
  startNimbusSimulator,
} from './simulator.js';

let nimbus: NimbusSimulator;
beforeAll(async () => {
  nimbus = await startNimbusSimulator();
});
afterAll(() => nimbus.close());
beforeEach(() => {
  nimbus.setDataset(generateNimbusDataset({ count: 40, seed: 7, tieEvery: 3 }));
  nimbus.requests.reset();
});

async function get(path: string, key: string | null = nimbus.apiKey) {
  const response = await request(`${nimbus.url}${path}`, {
    headers: key === null ? {} : { [NIMBUS_KEY_HEADER]: key },
  });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

async function list(query: string): Promise<{ items: NimbusRecord[]; total: number }> {
  const { status, body } = await get(`/items?${query}`);
  expect(status).toBe(200);
  return body as unknown as { items: NimbusRecord[]; total: number };
}

describe('the Nimbus simulator', () => {
  it('refuses a missing or wrong key with 401', async () => {
    expect((await get('/items', null)).status).toBe(401);
    expect((await get('/items/1', 'wrong')).status).toBe(401);
  });

  it.each(['offset=-1', 'offset=x', 'limit=0', 'limit=101', 'limit=1.5', 'status=Live', 'offset=1&offset=2'])(
    'refuses %s with 400',
    async (query) => {
      expect((await get(`/items?${query}`)).status).toBe(400);
    },
  );

  it('lists newest first, ties by the highest id as a number, which is the order Nimbus states', async () => {
    const { items, total } = await list('offset=0&limit=100');
    expect(total).toBe(40);
    const ties = items.filter((item, index) => items[index + 1]?.created === item.created);
    expect(ties.length).toBeGreaterThan(3);
    for (let index = 1; index < items.length; index++) {
      const [before, after] = [items[index - 1], items[index]];
      if (before === undefined || after === undefined) continue;
      expect(before.created).toBeGreaterThanOrEqual(after.created);
      if (before.created === after.created)
        expect(descendingDecimal(String(before.id), String(after.id))).toBeLessThan(0);
    }
  });

  it('keeps to the numeric order where a text order would not', async () => {
    nimbus.setDataset([
      { id: 9, title: 'nine', notes: null, state: 'live', owner: null, priority: null, created: 100 },
      { id: 10, title: 'ten', notes: null, state: 'live', owner: null, priority: null, created: 100 },
    ]);
    const { items } = await list('');
    expect(items.map((item) => item.id)).toEqual([10, 9]);
    expect(descendingText('10', '9')).toBeGreaterThan(0);
  });

  it('pages by offset and limit, and filters by one state with its own total', async () => {
    const all = (await list('limit=100')).items;
    const page = await list('offset=5&limit=7');
    expect(page.items).toEqual(all.slice(5, 12));
    const live = await list('status=live&limit=100');
    expect(live.items).toEqual(all.filter((item) => item.state === 'live'));
    expect(live.total).toBe(live.items.length);
    expect((await list('offset=1000')).items).toEqual([]);
  });

  it('answers a detail, and 404 for an unknown id', async () => {
    const [first] = (await list('limit=1')).items;
    expect((await get(`/items/${first?.id}`)).body).toEqual(first);
    expect((await get('/items/100000')).status).toBe(404);
    expect((await get('/items/abc')).status).toBe(404);
  });

  it('creates at the head, creates ties on either side, deletes and changes states', async () => {
    const head = nimbus.createCampaign();
    expect((await list('limit=1')).items[0]?.id).toBe(head.id);
    const target = nimbus.dataset()[10];
    if (target === undefined) throw new Error('no campaign');
    const above = nimbus.createTie(target.id);
    const below = nimbus.createTie(target.id, { below: true });
    const ids = (await list('limit=100')).items.map((item) => item.id);
    expect(ids.indexOf(above?.id ?? -1)).toBe(ids.indexOf(target.id) - 1);
    expect(ids.indexOf(below?.id ?? -1)).toBeGreaterThan(ids.indexOf(target.id));
    expect(above?.created).toBe(target.created);
    expect(nimbus.setStatus(target.id, 'done')?.state).toBe('done');
    expect(nimbus.deleteCampaign(target.id)).toBe(true);
    expect(nimbus.deleteCampaign(target.id)).toBe(false);
    expect((await get(`/items/${target.id}`)).status).toBe(404);
  });

  it('never gives a new campaign the id of a deleted one, at the head or either side of a tie', () => {
    const head = nimbus.createCampaign();
    expect(nimbus.deleteCampaign(head.id)).toBe(true);
    expect(nimbus.createCampaign().id).toBeGreaterThan(head.id);
    const target = nimbus.dataset()[5];
    if (target === undefined) throw new Error('no campaign');
    const below = nimbus.createTie(target.id, { below: true });
    if (below === null) throw new Error('no tie');
    expect(nimbus.deleteCampaign(below.id)).toBe(true);
    const again = nimbus.createTie(target.id, { below: true });
    expect(again?.id).not.toBe(below.id);
  });

  it('fails with 503 for a number of requests or until told to stop, and counts every request', async () => {
    nimbus.fail({ route: 'list', times: 2, retryInSeconds: 1 });
    expect(await get('/items')).toEqual({ status: 503, body: expect.objectContaining({ retry_in: 1 }) });
    expect((await get('/items/1')).status).not.toBe(503);
    expect((await get('/items')).status).toBe(503);
    expect((await get('/items')).status).toBe(200);
    const stop = nimbus.fail();
    expect((await get('/items/1')).status).toBe(503);
    stop();
    expect((await get('/items')).status).toBe(200);
    expect(nimbus.requests.count()).toBe(6);
    expect(nimbus.requests.count('list')).toBe(4);
    expect(nimbus.requests.all()[0]?.query).toBe('');
  });
});
