import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Churn } from '../../tools/simulators/churn.js';
import { churnRequested, startChurn } from '../../tools/simulators/churn.js';
import type { Simulators } from '../../tools/simulators/index.js';
import { startSimulators } from '../../tools/simulators/index.js';
import { arr, get, obj } from './helpers.js';

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the churn');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('startChurn', () => {
  let sims: Simulators;
  let churn: Churn | undefined;

  beforeAll(async () => {
    sims = await startSimulators({
      altur: { count: 30, seed: 3, rateLimit: false },
      auralytik: { count: 30, seed: 4 },
    });
  });
  afterEach(async () => {
    await churn?.stop();
    churn = undefined;
  });
  afterAll(() => sims.close());

  const alturHead = async () => {
    const body = obj((await get(`${sims.altur.url}/campaigns`, `api-key ${sims.altur.apiKey}`)).json);
    return { id: Number(obj(arr(body.campaigns)[0]).id), total: Number(body.total_count) };
  };
  const auralytikHead = async () => {
    const body = obj((await get(`${sims.auralytik.url}/campaigns`, `Bearer ${sims.auralytik.apiKey}`)).json);
    return { id: String(obj(arr(body.data)[0]).id), total: Number(body.totalCount) };
  };

  it('creates one campaign at each head and changes one status per round', async () => {
    const kinds: string[] = [];
    const stopAltur = sims.altur.onChange((change) => kinds.push(`altur:${change.kind}`));
    const stopAuralytik = sims.auralytik.onChange((change) => kinds.push(`auralytik:${change.kind}`));
    try {
      const alturBefore = sims.altur.dataset().length;
      const auralytikBefore = sims.auralytik.dataset().length;
      churn = startChurn(sims, { intervalMs: 60_000 });
      churn.tick();

      expect(kinds).toEqual(['altur:created', 'altur:updated', 'auralytik:created', 'auralytik:updated']);
      expect(churn.changes).toBe(4);
      expect(sims.altur.dataset()).toHaveLength(alturBefore + 1);
      expect(sims.auralytik.dataset()).toHaveLength(auralytikBefore + 1);
      expect((await alturHead()).id).toBe(sims.altur.dataset().at(-1)?.id);
      expect((await auralytikHead()).id).toBe(sims.auralytik.dataset().at(-1)?.id);
    } finally {
      stopAltur();
      stopAuralytik();
    }
  });

  it('runs on its timer and stops itself after maxChanges', async () => {
    const alturBefore = sims.altur.dataset().length;
    const auralytikBefore = sims.auralytik.dataset().length;
    churn = startChurn(sims, { intervalMs: 15, maxChanges: 6, seed: 9 });
    const running = churn;
    await until(() => running.stopped);
    expect(running.changes).toBe(6);
    // Round one: 2 changes per provider; round two: Altur's 2, then the budget is spent.
    expect(sims.altur.dataset()).toHaveLength(alturBefore + 2);
    expect(sims.auralytik.dataset()).toHaveLength(auralytikBefore + 1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(running.changes).toBe(6);
  });

  it('changes nothing more once stopped', async () => {
    churn = startChurn(sims, { intervalMs: 10 });
    const running = churn;
    await until(() => running.changes > 0);
    await running.stop();
    const { total } = await alturHead();
    const changes = running.changes;
    await new Promise((resolve) => setTimeout(resolve, 50));
    running.tick();
    expect(running.changes).toBe(changes);
    expect((await alturHead()).total).toBe(total);
    expect(running.stopped).toBe(true);
  });

  it('deletes one campaign per provider and round when asked', () => {
    const deleted: string[] = [];
    const stopAltur = sims.altur.onChange((change) => {
      if (change.kind === 'deleted') deleted.push(`altur:${change.record.id}`);
    });
    const stopAuralytik = sims.auralytik.onChange((change) => {
      if (change.kind === 'deleted') deleted.push(`auralytik:${change.record.id}`);
    });
    try {
      const alturBefore = sims.altur.dataset().length;
      churn = startChurn(
        { altur: sims.altur, auralytik: sims.auralytik },
        { intervalMs: 60_000, deleteProbability: 1 },
      );
      churn.tick();
      churn.tick();
      expect(deleted).toHaveLength(4);
      expect(churn.changes).toBe(12);
      // A create and a delete each round: the size holds.
      expect(sims.altur.dataset()).toHaveLength(alturBefore);
    } finally {
      stopAltur();
      stopAuralytik();
    }
  });

  it('changes only the simulators it is given, and repeats itself under a seed', async () => {
    const first = await startSimulators({ altur: { count: 20, seed: 1 }, auralytik: { count: 20, seed: 2 } });
    const second = await startSimulators({
      altur: { count: 20, seed: 1 },
      auralytik: { count: 20, seed: 2 },
    });
    try {
      const a = startChurn({ auralytik: first.auralytik }, { intervalMs: 60_000, seed: 5 });
      const b = startChurn({ auralytik: second.auralytik }, { intervalMs: 60_000, seed: 5 });
      for (let round = 0; round < 3; round++) {
        a.tick();
        b.tick();
      }
      await Promise.all([a.stop(), b.stop()]);
      expect(first.altur.dataset()).toEqual(second.altur.dataset());
      expect(first.altur.dataset()).toHaveLength(20);
      const statuses = (sims: Simulators) =>
        sims.auralytik.dataset().map((r) => [r.id, r.status, r.createdAt]);
      expect(statuses(first).length).toBe(23);
      // Creation instants come from the clock, so only ids and statuses are compared.
      expect(statuses(first).map(([id, status]) => [id, status])).toEqual(
        statuses(second).map(([id, status]) => [id, status]),
      );
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it.each([
    [{ intervalMs: 0 }],
    [{ intervalMs: Number.NaN }],
    [{ deleteProbability: 1.5 }],
    [{ deleteProbability: -0.1 }],
    [{ maxChanges: -1 }],
    [{ maxChanges: 1.5 }],
  ])('refuses %o', (options) => {
    expect(() => startChurn(sims, options)).toThrow(RangeError);
  });
});

describe('churnRequested', () => {
  it.each([
    [{}, [], true],
    [{ DEMO_CHANGES: '' }, [], true],
    [{ DEMO_CHANGES: 'on' }, [], true],
    [{ DEMO_CHANGES: 'off' }, [], false],
    [{ DEMO_CHANGES: ' OFF ' }, [], false],
    [{ DEMO_CHANGES: 'false' }, [], false],
    [{ DEMO_CHANGES: '0' }, [], false],
    [{}, ['--static'], false],
    [{ DEMO_CHANGES: 'on' }, ['--static'], false],
  ])('%o with argv %o: %s', (env, argv, expected) => {
    expect(churnRequested(env, argv)).toBe(expected);
  });

  it('refuses an unknown value', () => {
    expect(() => churnRequested({ DEMO_CHANGES: 'sometimes' }, [])).toThrow(/DEMO_CHANGES/);
  });
});
