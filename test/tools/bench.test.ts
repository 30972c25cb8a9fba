import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../../tools/bench/load.js';
import { variantCycle } from '../../tools/bench/load.js';
import { summariseHeap } from '../../tools/bench/memory.js';
import { parseBenchOptions } from '../../tools/bench/options.js';
import { addedP50, collapsedRows, type Row, ratioTo, targets } from '../../tools/bench/report.js';
import { ROW_IDS, ROWS, type RowSpec } from '../../tools/bench/scenarios.js';
import {
  alturItems,
  type FloorItem,
  instantMs,
  mergeNewestFirst,
  renderPage,
} from '../../tools/bench/servers/floorPage.js';
import {
  alturListQuery,
  auralytikListQuery,
  CAMPAIGNS_DOCUMENT,
  campaignsBodies,
  lookupSets,
  spreadInstants,
} from '../../tools/bench/traffic.js';

describe('bench options', () => {
  it('defaults to 8 s rows after 2 s of warm-up at 10 connections, writing BENCHMARKS.md', () => {
    const options = parseBenchOptions([], {});
    expect(options).toMatchObject({ durationS: 8, warmupS: 2, connections: 10, write: true, build: true });
    expect(options.only).toBeNull();
  });

  it('takes the environment, and flags over it', () => {
    expect(parseBenchOptions([], { BENCH_DURATION: '3' }).durationS).toBe(3);
    expect(parseBenchOptions(['--duration', '5'], { BENCH_DURATION: '3' }).durationS).toBe(5);
  });

  it('--quick shortens every row and never writes', () => {
    const options = parseBenchOptions(['--quick'], {});
    expect(options).toMatchObject({ durationS: 2, warmupS: 0.5, write: false });
    expect(parseBenchOptions(['--quick', '--duration', '4'], {}).durationS).toBe(4);
  });

  it('refuses what it cannot use', () => {
    expect(() => parseBenchOptions(['--duration', '0'], {})).toThrow(RangeError);
    expect(() => parseBenchOptions(['--connections', '2.5'], {})).toThrow(RangeError);
    expect(() => parseBenchOptions(['--unknown'], {})).toThrow();
    expect(() => parseBenchOptions(['--profile-section', '../x'], {})).toThrow(RangeError);
  });

  it('reads --only as a set of row ids, every one of which exists', () => {
    expect([...(parseBenchOptions(['--only', 'c, d,d@1'], {}).only ?? [])]).toEqual(['c', 'd', 'd@1']);
    expect(new Set(ROW_IDS).size).toBe(ROWS.length);
  });
});

describe('varied traffic', () => {
  const DAY = 86_400_000;
  const createdMs = {
    ALTUR: Array.from({ length: 300 }, (_, index) => Date.UTC(2025, 0, 1) + index * DAY),
    AURALYTIK: Array.from({ length: 250 }, (_, index) => Date.UTC(2025, 0, 3) + index * DAY),
  };

  it('spreads distinct instants, newest first, at each of which every provider has a full page', () => {
    const instants = spreadInstants(createdMs, 400, 100);
    expect(instants.length).toBeGreaterThan(300);
    expect(new Set(instants).size).toBe(instants.length);
    const ms = instants.map((instant) => Date.parse(instant));
    expect([...ms].sort((a, b) => b - a)).toEqual(ms);
    for (const instant of ms) {
      for (const list of Object.values(createdMs)) {
        expect(list.filter((created) => created <= instant).length).toBeGreaterThanOrEqual(100);
      }
    }
    expect(instants[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
  });

  it('refuses datasets too small for full pages', () => {
    expect(() => spreadInstants({ ALTUR: [1, 2], AURALYTIK: [1, 2, 3] }, 10, 3)).toThrow(RangeError);
  });

  it('sends one document with other variables', () => {
    const bodies = campaignsBodies(['2025-01-01T00:00:00.000Z', '2025-01-02T00:00:00.000Z'], ['ALTUR']);
    const parsed = bodies.map((body) => JSON.parse(body) as { query: string; variables: unknown });
    expect(parsed.map((body) => body.query)).toEqual([CAMPAIGNS_DOCUMENT, CAMPAIGNS_DOCUMENT]);
    expect(parsed[1]?.variables).toEqual({
      filter: { providers: ['ALTUR'], createdBefore: '2025-01-02T00:00:00.000Z' },
    });
  });

  it('builds the upstream queries the gateway sends', () => {
    expect(alturListQuery('2025-01-02T00:00:00.000Z')).toBe(
      'startDate=1970-01-01T00%3A00%3A00.000Z&endDate=2025-01-02T00%3A00%3A00.000Z&pageSize=100',
    );
    expect(auralytikListQuery('2025-01-02T00:00:00.000Z')).toBe(
      'dateTo=2025-01-02T00%3A00%3A00.000Z&page=1&pageSize=100',
    );
  });

  it('makes disjoint lookup sets, half from each provider', () => {
    const ids = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, index) => `${prefix}${index}`);
    const sets = lookupSets({ ALTUR: ids('a', 90), AURALYTIK: ids('u', 120) });
    expect(sets).toHaveLength(3);
    expect(sets.every((set) => set.length === 50)).toBe(true);
    expect(new Set(sets.flat()).size).toBe(150);
    expect(sets[0]?.filter((id) => id.startsWith('a'))).toHaveLength(25);
  });

  it('hands out variants in one sequence, so consecutive requests all differ', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 200 }), (size, taken) => {
        const next = variantCycle(Array.from({ length: size }, (_, index) => index));
        const picks = Array.from({ length: taken }, () => next());
        expect(picks).toEqual(Array.from({ length: taken }, (_, index) => index % size));
      }),
    );
  });
});

describe('the floor anchor', () => {
  const item = (id: string, createdAtMs: number): FloorItem => ({
    id,
    name: id,
    status: 'RUNNING',
    channel: null,
    createdAtMs,
  });

  it('merges lists sorted newest first into the newest `count`, as a stable sort of all would', () => {
    const sortedList = fc
      .array(fc.integer({ min: 0, max: 50 }), { maxLength: 30 })
      .map((values) => [...values].sort((a, b) => b - a));
    fc.assert(
      fc.property(
        fc.array(sortedList, { maxLength: 4 }),
        fc.integer({ min: 0, max: 150 }),
        (lists, count) => {
          const items = lists.map((list, stream) => list.map((ms, index) => item(`${stream}:${index}`, ms)));
          const { items: merged, taken } = mergeNewestFirst(items, count);
          const reference = items
            .flat()
            .sort((a, b) => b.createdAtMs - a.createdAtMs)
            .slice(0, count);
          expect(merged.map((entry) => entry.createdAtMs)).toEqual(
            reference.map((entry) => entry.createdAtMs),
          );
          expect(taken.reduce((sum, value) => sum + value, 0)).toBe(merged.length);
          // Ties go to the earlier list.
          for (let index = 1; index < merged.length; index++) {
            const [previous, current] = [merged[index - 1], merged[index]];
            if (previous?.createdAtMs === current?.createdAtMs) {
              expect(Number(previous?.id.split(':')[0])).toBeLessThanOrEqual(
                Number(current?.id.split(':')[0]),
              );
            }
          }
        },
      ),
    );
  });

  it('reads zone-less Altur timestamps as UTC and renders what the document selects', () => {
    expect(instantMs('2025-10-03 19:11:39')).toBe(Date.UTC(2025, 9, 3, 19, 11, 39));
    expect(instantMs('2025-10-03T19:11:39Z')).toBe(Date.UTC(2025, 9, 3, 19, 11, 39));
    const items = alturItems({
      campaigns: [
        { id: 7, name: 'n', status: 'active', created_at: '2025-10-03 19:11:39' },
        { id: 8, name: 'no date', status: 'active' },
      ],
    });
    expect(JSON.parse(renderPage(items, true, [1]))).toEqual({
      data: {
        campaigns: {
          edges: [
            {
              node: {
                id: Buffer.from('AlturCampaign:7').toString('base64url'),
                name: 'n',
                status: 'RUNNING',
                channel: null,
                createdAt: '2025-10-03T19:11:39.000Z',
              },
            },
          ],
          pageInfo: { hasNextPage: true, endCursor: Buffer.from('[1]').toString('base64url') },
        },
      },
    });
  });
});

describe('heap snapshot summary', () => {
  it('adds shallow sizes by constructor, strings and code apart', () => {
    const fields = ['type', 'name', 'id', 'self_size', 'edge_count'];
    const types = ['hidden', 'array', 'string', 'object', 'code', 'closure'];
    const strings = ['', 'Map', 'Campaign', 'abc'];
    const node = (type: string, name: string, size: number) => [
      types.indexOf(type),
      strings.indexOf(name),
      0,
      size,
      0,
    ];
    const summary = summariseHeap({
      snapshot: { meta: { node_fields: fields, node_types: [types] } },
      strings,
      nodes: [
        ...node('object', 'Campaign', 100),
        ...node('object', 'Campaign', 100),
        ...node('object', 'Map', 50),
        ...node('string', 'abc', 30),
        ...node('code', '', 500),
      ],
    });
    expect(summary.totalBytes).toBe(780);
    expect(summary.nodes).toBe(5);
    expect(summary.byClass).toEqual([
      { name: '(code)', count: 1, selfBytes: 500 },
      { name: 'Campaign', count: 2, selfBytes: 200 },
      { name: 'Map', count: 1, selfBytes: 50 },
      { name: '(strings)', count: 1, selfBytes: 30 },
    ]);
  });
});

describe('report', () => {
  const load = (requestsPerSecond: number, p50Ms = 1): LoadResult => ({
    seconds: 1,
    responses: requestsPerSecond,
    requestsPerSecond,
    p50Ms,
    p99Ms: p50Ms,
    non2xx: 0,
    errors: 0,
    variantsSent: 400,
  });
  const spec = (id: string): RowSpec => {
    const found = ROWS.find((row) => row.id === id);
    if (found === undefined) throw new Error(id);
    return found;
  };
  const measured = (id: string, rps: number, extra: Partial<Row> = {}): Row => ({
    spec: spec(id),
    connections: spec(id).concurrency === 1 ? 1 : 10,
    variants: 400,
    load: load(rps, extra.load?.p50Ms),
    ...extra,
  });

  const rows: Row[] = [
    measured('floor-1', 1000),
    measured('jit-1', 500),
    measured('c', 600, { peakRssMiB: 140 }),
    measured('floor-2', 400),
    measured('d', 300, {
      peakRssMiB: 160,
      upstream: { altur: 0.5, auralytik: 0.5, non2xx: 0, perSecond: 1 },
    }),
    measured('a-altur@1', 3000, { load: load(3000, 0.3) }),
    measured('a-auralytik@1', 4000, { load: load(4000, 0.2) }),
    measured('d@1', 300, { load: load(300, 2.1) }),
  ];

  it('takes every ratio against the anchor of the same workload and connections in the run', () => {
    expect(ratioTo(measured('c', 600), rows, 'floor')).toBeCloseTo(0.6);
    expect(ratioTo(measured('c', 600), rows, 'yogaJit')).toBeCloseTo(1.2);
    expect(ratioTo(measured('d', 300), rows, 'floor')).toBeCloseTo(0.75);
    expect(ratioTo(measured('d', 300), rows, 'yogaJit')).toBeUndefined();
    expect(ratioTo(measured('d@1', 300), rows, 'floor')).toBeUndefined();
  });

  it('measures added latency over the slower direct call', () => {
    expect(addedP50(rows, 'd@1')?.added).toBeCloseTo(1.8);
    expect(addedP50(rows, 'd@1')?.text).toContain('(a-altur@1)');
  });

  it('says which targets are met', () => {
    expect(targets(rows).map((target) => target.met)).toEqual([true, true, true, true, false]);
  });

  it('flags varied rows whose upstream calls collapsed', () => {
    expect(collapsedRows(rows).map((row) => row.spec.id)).toEqual(['d']);
  });
});
