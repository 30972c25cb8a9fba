import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlturSimulator } from '../../tools/simulators/altur.js';
import { startAlturSimulator } from '../../tools/simulators/altur.js';
import type { AuralytikSimulator } from '../../tools/simulators/auralytik.js';
import { startAuralytikSimulator } from '../../tools/simulators/auralytik.js';
import type { CampaignChange } from '../../tools/simulators/changes.js';
import type { AlturCampaignRecord, AuralytikCampaignRecord } from '../../tools/simulators/data.js';
import { generateAlturDataset, generateAuralytikDataset } from '../../tools/simulators/data.js';
import { arr, get, manualClock, obj } from './helpers.js';

// A clock before every generated campaign (they span 2024-01-01 .. 2026-11-20), so a default create
// only lands at the head because creates are never older than the newest campaign.
const lagging = manualClock(Date.UTC(2020, 0, 1, 0, 0, 0, 750));

function alturOrder(records: readonly AlturCampaignRecord[]): number[] {
  return [...records]
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id)
    .map((record) => record.id);
}

function auralytikOrder(records: readonly AuralytikCampaignRecord[]): string[] {
  return [...records]
    .sort(
      (a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
    )
    .map((record) => record.id);
}

describe('Altur simulator mutations', () => {
  const dataset = generateAlturDataset({ count: 40, seed: 11, tieEvery: 5 }).map((record) => ({
    ...record,
    archived: false,
  }));
  let sim: AlturSimulator;
  let auth: string;

  beforeEach(async () => {
    await sim?.close();
    sim = await startAlturSimulator({
      dataset,
      drift: 'seed',
      timestamps: 'iso',
      rateLimit: false,
      now: lagging.now,
    });
    auth = `api-key ${sim.apiKey}`;
  });
  afterAll(() => sim.close());

  const list = async (query: Record<string, string> = {}) =>
    obj((await get(`${sim.url}/campaigns`, auth, { pageSize: '100', ...query })).json);
  const ids = (body: Record<string, unknown>): number[] =>
    arr(body.campaigns).map((item) => Number(obj(item).id));
  const detail = (id: number) => get(`${sim.url}/campaigns/${id}`, auth);

  it('creates at the head: first in the list, counted in total_count, served as a detail', async () => {
    const before = await list();
    const highest = Math.max(...dataset.map((record) => record.id));
    const created = sim.createCampaign({ name: 'Fresh campaign', status: 'ready' });
    expect(created.id).toBe(highest + 1);
    // The lagging clock is ignored in favour of the newest campaign's instant (whole seconds).
    const newest = Math.max(...dataset.map((record) => Date.parse(record.created_at)));
    expect(Date.parse(created.created_at)).toBeGreaterThanOrEqual(newest);
    expect(Date.parse(created.created_at) % 1000).toBe(0);

    const after = await list();
    expect(ids(after)).toEqual([created.id, ...ids(before)]);
    expect(after.total_count).toBe(Number(before.total_count) + 1);
    expect(obj(arr(after.campaigns)[0])).toMatchObject({ name: 'Fresh campaign', status: 'ready' });
    const response = await detail(created.id);
    expect(response.status).toBe(200);
    expect(obj(obj(response.json).campaign).id).toBe(created.id);
  });

  it('takes the clock in whole seconds when it is ahead of the data', async () => {
    const clock = manualClock(Date.UTC(2027, 0, 2, 3, 4, 5, 678));
    const local = await startAlturSimulator({ dataset, rateLimit: false, now: clock.now });
    try {
      expect(local.createCampaign().created_at).toBe('2027-01-02T03:04:05Z');
      // A second create in the same second ties, and wins the tie by its larger id.
      const second = local.createCampaign();
      expect(second.created_at).toBe('2027-01-02T03:04:05Z');
      expect(alturOrder(local.dataset())[0]).toBe(second.id);
    } finally {
      await local.close();
    }
  });

  it('sorts a create with an existing createdAt by id descending, and honours a past createdAt', async () => {
    const middle = alturOrder(dataset)[20];
    const existing = dataset.find((record) => record.id === middle);
    if (existing === undefined) throw new Error('fixture');
    const above = sim.createCampaign({ created_at: existing.created_at });
    const below = sim.createCampaign({ id: 1, created_at: existing.created_at });
    const order = ids(await list());
    expect(order).toEqual(alturOrder(sim.dataset()));
    expect(order.indexOf(above.id)).toBeLessThan(order.indexOf(existing.id));
    expect(order.indexOf(below.id)).toBeGreaterThan(order.indexOf(existing.id));
    expect(order[0]).not.toBe(above.id);
  });

  it('deletes from lists and detail, even when both were already served (memoised)', async () => {
    const [victim] = ids(await list());
    if (victim === undefined) throw new Error('fixture');
    expect((await detail(victim)).status).toBe(200);
    const total = Number((await list()).total_count);

    expect(sim.deleteCampaign(victim)).toBe(true);
    expect(sim.deleteCampaign(victim)).toBe(false);
    const after = await list();
    expect(ids(after)).not.toContain(victim);
    expect(after.total_count).toBe(total - 1);
    const gone = await detail(victim);
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual({ detail: 'Campaign not found' });
  });

  it('does not reuse a deleted id for the next create', async () => {
    const first = sim.createCampaign();
    sim.deleteCampaign(first.id);
    expect(sim.createCampaign().id).toBe(first.id + 1);
  });

  it('moves an updated status between status-filtered lists', async () => {
    const active = ids(await list({ status: 'active' }));
    const target = active[0];
    if (target === undefined) throw new Error('fixture');
    const finished = ids(await list({ status: 'finished' }));
    expect(finished).not.toContain(target);

    const updated = sim.updateCampaign(target, { status: 'finished', name: 'Done' });
    expect(updated).toMatchObject({ id: target, status: 'finished', name: 'Done' });
    expect(ids(await list({ status: 'active' }))).toEqual(active.slice(1));
    expect(ids(await list({ status: 'finished' }))).toEqual(
      alturOrder(sim.dataset().filter((record) => record.status === 'finished')),
    );
    expect(ids(await list({ status: 'finished' }))).toContain(target);
    expect(obj(obj((await detail(target)).json).campaign).status).toBe('finished');
    expect(sim.updateCampaign(999_999, { status: 'ready' })).toBeNull();
  });

  it('moves a campaign whose createdAt is updated', async () => {
    const last = alturOrder(dataset).at(-1);
    if (last === undefined) throw new Error('fixture');
    sim.updateCampaign(last, { created_at: '2030-01-01T00:00:00Z' });
    expect(ids(await list())[0]).toBe(last);
  });

  it('keeps a cursor issued before changes on its key: creates above it stay above it', async () => {
    const order = alturOrder(dataset);
    const first = await list({ pageSize: '5' });
    const cursor = String(obj(first.pagination).next_cursor);
    sim.createCampaign();
    sim.createCampaign();
    sim.createCampaign({ created_at: '2026-11-20T23:59:59Z', id: 5 });

    const next = await list({ pageSize: '5', cursor });
    expect(ids(next)).toEqual(order.slice(5, 10));
    // Backward from the same kind of cursor sees the new campaigns above the first page.
    const back = await list({
      pageSize: '10',
      cursor: String(obj(next.pagination).previous_cursor),
      direction: 'previous',
    });
    expect(ids(back).slice(-5)).toEqual(order.slice(0, 5));
    expect(ids(back)).toHaveLength(8);
  });

  it('continues after a cursor whose item was deleted, and past a deleted next item', async () => {
    const order = alturOrder(dataset);
    const first = await list({ pageSize: '5' });
    const cursor = String(obj(first.pagination).next_cursor);
    const lastShown = order[4];
    const firstUnseen = order[5];
    if (lastShown === undefined || firstUnseen === undefined) throw new Error('fixture');

    sim.deleteCampaign(lastShown);
    expect(ids(await list({ pageSize: '5', cursor }))).toEqual(order.slice(5, 10));
    sim.deleteCampaign(firstUnseen);
    expect(ids(await list({ pageSize: '5', cursor }))).toEqual(order.slice(6, 11));
  });

  it('tells listeners of every change, in order, until they unsubscribe', () => {
    const heard: CampaignChange<AlturCampaignRecord>[] = [];
    const unsubscribe = sim.onChange((change) => heard.push(change));
    const created = sim.createCampaign();
    const updated = sim.updateCampaign(created.id, { status: 'cooldown' });
    sim.deleteCampaign(created.id);
    unsubscribe();
    sim.createCampaign();

    expect(heard.map((change) => change.kind)).toEqual(['created', 'updated', 'deleted']);
    expect(heard[0]).toEqual({ kind: 'created', record: created });
    expect(heard[1]).toEqual({ kind: 'updated', record: updated, previous: created });
    expect(heard[2]).toEqual({ kind: 'deleted', record: updated });
  });

  it('keeps earlier dataset() snapshots and refuses a duplicate id', () => {
    const snapshot = sim.dataset();
    sim.createCampaign();
    expect(snapshot).toHaveLength(dataset.length);
    expect(sim.dataset()).toHaveLength(dataset.length + 1);
    const [existing] = dataset;
    expect(() => sim.createCampaign({ id: existing?.id ?? 0 })).toThrow(RangeError);
    expect(() => sim.createCampaign({ created_at: 'yesterday' })).toThrow(RangeError);
    expect(sim.dataset()).toHaveLength(dataset.length + 1);
  });
});

describe('Auralytik simulator mutations', () => {
  const dataset = generateAuralytikDataset({ count: 40, seed: 12, tieEvery: 5 });
  let sim: AuralytikSimulator;
  let auth: string;

  beforeEach(async () => {
    await sim?.close();
    sim = await startAuralytikSimulator({ dataset, now: lagging.now });
    auth = `Bearer ${sim.apiKey}`;
  });
  afterAll(() => sim.close());

  const list = async (query: Record<string, string> = {}) =>
    obj((await get(`${sim.url}/campaigns`, auth, { pageSize: '100', ...query })).json);
  const ids = (body: Record<string, unknown>): string[] => arr(body.data).map((item) => String(obj(item).id));
  const detail = (id: string) => get(`${sim.url}/campaigns/${id}`, auth);

  it('creates at the head: first in the list, counted in totalCount, served as a detail', async () => {
    const before = await list();
    const created = sim.createCampaign({ name: 'Fresh flow', status: 'Paused' });
    expect(created.id).toMatch(/^camp_[0-9a-f]{6}$/);
    expect(dataset.map((record) => record.id)).not.toContain(created.id);
    expect(Date.parse(created.createdAt) % 1000).toBe(0);

    const after = await list();
    expect(ids(after)).toEqual([created.id, ...ids(before)]);
    expect(after.totalCount).toBe(Number(before.totalCount) + 1);
    const response = await detail(created.id);
    expect(response.status).toBe(200);
    expect(obj(response.json)).toMatchObject({ id: created.id, name: 'Fresh flow', status: 'Paused' });
  });

  it('creates repeatable ids from the seed, distinct from one another', async () => {
    const other = await startAuralytikSimulator({ dataset, now: lagging.now });
    try {
      const mine = [sim.createCampaign().id, sim.createCampaign().id];
      const theirs = [other.createCampaign().id, other.createCampaign().id];
      expect(theirs).toEqual(mine);
      expect(new Set(mine).size).toBe(2);
      // Each default create is at the head, whichever way its random id compares at a tie.
      expect(auralytikOrder(sim.dataset()).slice(0, 2)).toEqual([...mine].reverse());
    } finally {
      await other.close();
    }
  });

  it('sorts a create with an existing createdAt by id descending in string order', async () => {
    const middle = auralytikOrder(dataset)[20];
    const existing = dataset.find((record) => record.id === middle);
    if (existing === undefined) throw new Error('fixture');
    const above = sim.createCampaign({ id: 'camp_ffffff', createdAt: existing.createdAt });
    const below = sim.createCampaign({ id: 'camp_000000', createdAt: existing.createdAt });
    const order = ids(await list());
    expect(order).toEqual(auralytikOrder(sim.dataset()));
    expect(order.indexOf(above.id)).toBeLessThan(order.indexOf(existing.id));
    expect(order.indexOf(below.id)).toBeGreaterThan(order.indexOf(existing.id));
  });

  it('deletes from lists and detail, even when both were already served (memoised)', async () => {
    const [victim] = ids(await list());
    if (victim === undefined) throw new Error('fixture');
    expect((await detail(victim)).status).toBe(200);
    expect(sim.deleteCampaign(victim)).toBe(true);
    expect(sim.deleteCampaign(victim)).toBe(false);
    const after = await list();
    expect(ids(after)).not.toContain(victim);
    expect(after.totalCount).toBe(dataset.length - 1);
    const gone = await detail(victim);
    expect(gone.status).toBe(404);
    expect(obj(obj(gone.json).error).code).toBe('NOT_FOUND');
  });

  it('moves an updated status between status-filtered lists', async () => {
    const running = ids(await list({ status: 'Running' }));
    const target = running[0];
    if (target === undefined) throw new Error('fixture');
    expect(ids(await list({ status: 'Completed' }))).not.toContain(target);
    expect(sim.updateCampaign(target, { status: 'Completed' })).toMatchObject({
      id: target,
      status: 'Completed',
    });
    expect(ids(await list({ status: 'Running' }))).toEqual(running.slice(1));
    expect(ids(await list({ status: 'Completed' }))).toEqual(
      auralytikOrder(sim.dataset().filter((record) => record.status === 'Completed')),
    );
    expect(sim.updateCampaign('camp_nope00', { status: 'Paused' })).toBeNull();
  });

  it('shifts page N by one when a campaign is created at the head (offsets move)', async () => {
    const page = async (n: number) => ids(await list({ page: String(n), pageSize: '10' }));
    const [page1, page2, page3] = [await page(1), await page(2), await page(3)];
    sim.createCampaign();
    // The real API's behaviour, which the gateway must survive: page 2 repeats page 1's last item.
    expect(await page(2)).toEqual([page1[9], ...page2.slice(0, 9)]);
    sim.deleteCampaign(page1[0] ?? '');
    sim.deleteCampaign(page1[1] ?? '');
    // One campaign fewer above it than at first: page 2 now skips what was its first item.
    expect(await page(2)).toEqual([...page2.slice(1), page3[0]]);
  });

  it('tells listeners of every change, in order, until they unsubscribe', () => {
    const heard: CampaignChange<AuralytikCampaignRecord>[] = [];
    const unsubscribe = sim.onChange((change) => heard.push(change));
    const created = sim.createCampaign();
    const updated = sim.updateCampaign(created.id, { status: 'Completed' });
    sim.deleteCampaign(created.id);
    unsubscribe();
    sim.createCampaign();
    expect(heard).toEqual([
      { kind: 'created', record: created },
      { kind: 'updated', record: updated, previous: created },
      { kind: 'deleted', record: updated },
    ]);
  });

  it('hears every change even when one listener throws, then rethrows', () => {
    const heard: string[] = [];
    sim.onChange(() => {
      throw new Error('listener failed');
    });
    sim.onChange((change) => heard.push(change.kind));
    expect(() => sim.createCampaign()).toThrow('listener failed');
    expect(heard).toEqual(['created']);
    expect(sim.dataset()).toHaveLength(dataset.length + 1);
  });
});
