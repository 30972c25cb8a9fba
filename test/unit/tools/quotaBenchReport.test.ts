import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../tools/quota-bench/people.js';
import {
  cacheHitRatio,
  checkTargets,
  diffCounts,
  formatContention,
  formatMs,
  formatSlowPages,
  MARKER_END,
  MARKER_START,
  percentile,
  replaceBetweenMarkers,
  type ScenarioResult,
  slowPagesBySecond,
  sumCounterBy,
  summariseFreshness,
} from '../../../tools/quota-bench/report.js';

describe('percentile (nearest rank)', () => {
  it.each([
    [[], 50, null],
    [[7], 50, 7],
    [[7], 99, 7],
    [[3, 1, 2, 4], 50, 2],
    [[3, 1, 2, 4], 99, 4],
    [[...Array.from({ length: 100 }, (_, i) => i + 1)], 99, 99],
    [[...Array.from({ length: 100 }, (_, i) => i + 1)], 50, 50],
    [[1, 2, Number.POSITIVE_INFINITY], 50, 2],
    [[1, 2, Number.POSITIVE_INFINITY], 99, Number.POSITIVE_INFINITY],
  ])('%j p%d = %s', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it('refuses a percentile outside (0, 100]', () => {
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('summariseFreshness', () => {
  const created = [
    { provider: 'ALTUR' as const, id: '181', at: 1000 },
    { provider: 'AURALYTIK' as const, id: 'camp_a', at: 2000 },
    { provider: 'ALTUR' as const, id: '182', at: 3000 },
    // Created within the window before the end: not measured, seen or not.
    { provider: 'ALTUR' as const, id: '183', at: 9000 },
  ];

  it('measures creation to first sight, counts a campaign never seen as Infinity', () => {
    const firstSeen = new Map([
      ['ALTUR:181', 1500],
      ['AURALYTIK:camp_a', 4000],
      ['ALTUR:183', 9100],
    ]);
    expect(summariseFreshness(created, firstSeen, 10_000, 5000)).toEqual({
      created: 4,
      measured: 3,
      neverSeen: 1,
      windowMs: 5000,
      p50Ms: 2000,
      p99Ms: Number.POSITIVE_INFINITY,
    });
  });

  it('does not credit a sighting from before the creation (a reused id)', () => {
    const summary = summariseFreshness(created.slice(0, 1), new Map([['ALTUR:181', 500]]), 10_000, 5000);
    expect(summary.neverSeen).toBe(1);
  });
});

describe('Prometheus counters', () => {
  const text = [
    '# HELP gateway_upstream_cache_lookups_total Upstream cache lookups.',
    '# TYPE gateway_upstream_cache_lookups_total counter',
    'gateway_upstream_cache_lookups_total{provider="ALTUR",result="fresh"} 10',
    'gateway_upstream_cache_lookups_total{provider="AURALYTIK",result="fresh"} 5',
    'gateway_upstream_cache_lookups_total{provider="ALTUR",result="miss"} 3',
    'gateway_upstream_cache_lookups_total_other{result="miss"} 99',
    'gateway_upstream_requests_total{provider="ALTUR",status="200"} 7',
  ].join('\n');

  it('sums one label over the others, ignoring metrics that only share a prefix', () => {
    expect(sumCounterBy(text, 'gateway_upstream_cache_lookups_total', 'result')).toEqual(
      new Map([
        ['fresh', 15],
        ['miss', 3],
      ]),
    );
  });

  it('tells an absent metric (null) from a zero one', () => {
    expect(sumCounterBy(text, 'gateway_nothing_total', 'result')).toBeNull();
    expect(sumCounterBy('gateway_x_total{result="miss"} 0', 'gateway_x_total', 'result')).toEqual(
      new Map([['miss', 0]]),
    );
  });

  it('diffs snapshots and rates hits as everything but misses', () => {
    const diff = diffCounts(
      new Map([['fresh', 5]]),
      new Map([
        ['fresh', 15],
        ['stale', 2],
        ['miss', 3],
      ]),
    );
    expect(diff).toEqual(
      new Map([
        ['fresh', 10],
        ['stale', 2],
        ['miss', 3],
      ]),
    );
    expect(cacheHitRatio({ fresh: 10, stale: 2, miss: 3 })).toBeCloseTo(12 / 15);
    expect(cacheHitRatio(null)).toBeNull();
    expect(cacheHitRatio({})).toBeNull();
  });
});

describe('targets', () => {
  const result = (
    replicas: number,
    altur: number,
    overrides: Partial<ScenarioResult> = {},
  ): ScenarioResult => ({
    people: 150,
    replicas,
    seconds: 30,
    pages: 1000,
    pagesPerSecond: 33.3,
    p50Ms: 12,
    p99Ms: 300,
    okPages: 995,
    errorCodes: { UPSTREAM_RATE_LIMITED: 5 },
    upstream: {
      ALTUR: { requests: 300, callsPerSecond: altur, status429: 0, maxInAnySecond: 12 },
      AURALYTIK: { requests: 300, callsPerSecond: 10, status429: 0, maxInAnySecond: 20 },
    },
    cacheLookups: null,
    freshness: { created: 30, measured: 28, neverSeen: 0, windowMs: 5000, p50Ms: 900, p99Ms: 2500 },
    loadAverage: [1, 1],
    ...overrides,
  });

  it('checks each target, and the pair against one replica of the same run', () => {
    const verdicts = checkTargets(result(2, 12), result(1, 11)).map((check) => [check.name, check.verdict]);
    expect(verdicts).toEqual([
      ['upstream 429s', 'met'],
      ['p50', 'met'],
      ['p99', 'missed'],
      ['pages without error', 'met'],
      ['freshness p99', 'met'],
      ['upstream calls/s vs 1 replica', 'missed'],
    ]);
  });

  it('says n/a for the scale-out target without a 1-replica result, and for a freshness never measured', () => {
    const checks = checkTargets(
      result(2, 12, {
        freshness: { created: 0, measured: 0, neverSeen: 0, windowMs: 5000, p50Ms: null, p99Ms: null },
      }),
      undefined,
    );
    expect(checks.find((check) => check.name === 'freshness p99')?.verdict).toBe('n/a');
    expect(checks.at(-1)?.verdict).toBe('n/a');
  });
});

describe('formatting and the BENCHMARKS.md section', () => {
  it.each([
    [null, 'n/a'],
    [Number.POSITIVE_INFINITY, 'never'],
    [3.04, '3.0 ms'],
    [369.4, '369 ms'],
    [1100, '1.1 s'],
    [12_345, '12 s'],
  ])('formatMs(%s) = %s', (ms, expected) => {
    expect(formatMs(ms)).toBe(expected);
  });

  it('replaces only what is between the markers', () => {
    const document = `# B\n\n${MARKER_START}\nold\n${MARKER_END}\n\n## After\n`;
    expect(replaceBetweenMarkers(document, 'new\n')).toBe(
      `# B\n\n${MARKER_START}\nnew\n${MARKER_END}\n\n## After\n`,
    );
  });

  it('appends the markers when the document has none', () => {
    expect(replaceBetweenMarkers('# B\n', 'new')).toBe(`# B\n\n${MARKER_START}\nnew\n${MARKER_END}\n`);
  });
});

describe('where the tail is and who had the CPU', () => {
  const at = (second: number, latencyMs: number) => ({ sentAt: 5000 + second * 1000, latencyMs });

  it('counts the pages over the threshold by the second of the run they were sent in', () => {
    const slow = slowPagesBySecond([at(0, 10), at(0.2, 300), at(0.9, 251), at(3.5, 900), at(3.6, 250)], 250);
    expect(slow.count).toBe(3);
    expect([...slow.bySecond]).toEqual([
      [0, 2],
      [3, 1],
    ]);
    expect(formatSlowPages(slow)).toBe('Pages over 250 ms: 3, 3 of them sent in s 0 (2), 3 (1) of the run.');
    expect(formatSlowPages(slowPagesBySecond([at(0, 10)], 250))).toBe('Pages over 250 ms: none.');
  });

  it('shows the busiest seconds only, in time order', () => {
    const samples = [0, 1, 1, 2, 2, 2, 9, 9, 9, 9].map((second) => at(second, 400));
    expect(formatSlowPages(slowPagesBySecond(samples, 250), 2)).toBe(
      'Pages over 250 ms: 10, 7 of them sent in s 2 (3), 9 (4) of the run.',
    );
  });

  it('formats the CPU line, without event-loop figures when a gateway has none', () => {
    const contention = {
      machineBusy: 0.934,
      gatewayCores: [0.45, 0.412],
      eventLoop: [
        { p99Ms: 40, maxMs: 310 },
        { p99Ms: 38.2, maxMs: 1200 },
      ],
    };
    expect(formatContention(contention)).toBe(
      "CPU: the machine's cores 93.4 % busy, the gateways used 0.45 and 0.41 cores; event-loop delay p99 40 ms and 38 ms, max 310 ms and 1.2 s.",
    );
    expect(formatContention({ machineBusy: 0.5, gatewayCores: [0.3], eventLoop: [null] })).toBe(
      "CPU: the machine's cores 50.0 % busy, the gateway used 0.30 cores.",
    );
  });
});

describe('seededRandom', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const values = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(values);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
  });
});
