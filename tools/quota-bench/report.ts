import type { CreatedCampaign, ProviderName } from './protocol.js';
import { PROVIDER_NAMES } from './protocol.js';

// Pure arithmetic and formatting of the quota bench: no I/O, so test/unit/quota-bench-report.test.ts can
// pin it down with example tables.

export const MARKER_START = '<!-- quota-bench:start -->';
export const MARKER_END = '<!-- quota-bench:end -->';

/** The targets of issue 12, for 150 people at about a page a second each. */
export const TARGETS = {
  upstream429s: 0,
  p50Ms: 20,
  p99Ms: 250,
  okPageRatio: 0.99,
  freshnessP99Ms: 3000,
} as const;

/**
 * Nearest-rank percentile (the smallest value with at least p % of the values at or below it), so a
 * reported p99 is always a latency some request really had. Infinity is a valid value (a campaign never
 * seen); null for no values at all.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1] ?? null;
}

export function campaignKey(provider: string, providerId: string): string {
  return `${provider}:${providerId}`;
}

export interface FreshnessSummary {
  /** Campaigns the simulators created during the run. */
  created: number;
  /** Those created at least `windowMs` before the end, so they had the whole window to be seen. */
  measured: number;
  /** Of the measured, how many no first page showed within the run. */
  neverSeen: number;
  /** The window: a campaign not seen within it is counted as never seen. */
  windowMs: number;
  /** Over the measured, a never-seen one counting as Infinity (so a p99 over 3 s says so). */
  p50Ms: number | null;
  p99Ms: number | null;
}

/**
 * Freshness: for each campaign created during the run, the time from its creation to the first response
 * (to any person, any filter) whose first page showed it. A campaign created in the last `windowMs` of
 * the run is left out, since it could not have been seen in time whatever the gateway did.
 */
export function summariseFreshness(
  created: readonly CreatedCampaign[],
  firstSeen: ReadonlyMap<string, number>,
  endMs: number,
  windowMs: number,
): FreshnessSummary {
  const delays: number[] = [];
  let neverSeen = 0;
  for (const campaign of created) {
    if (campaign.at > endMs - windowMs) continue;
    const seen = firstSeen.get(campaignKey(campaign.provider, campaign.id));
    if (seen === undefined || seen < campaign.at) {
      neverSeen += 1;
      delays.push(Number.POSITIVE_INFINITY);
    } else {
      delays.push(seen - campaign.at);
    }
  }
  return {
    created: created.length,
    measured: delays.length,
    neverSeen,
    windowMs,
    p50Ms: percentile(delays, 50),
    p99Ms: percentile(delays, 99),
  };
}

/**
 * Sums a Prometheus counter (text exposition format) by one label, over all its other labels: e.g.
 * `gateway_upstream_requests_total` by `provider`. Null when the metric has no sample at all, which is
 * how a gateway without that metric is told apart from one that counted zero.
 */
export function sumCounterBy(text: string, metric: string, label: string): Map<string, number> | null {
  const sums = new Map<string, number>();
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    const match = /^(\S+?)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (match?.[1] !== metric) continue;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    found = true;
    const labels = parseLabels(match[2] ?? '');
    const key = labels.get(label) ?? '';
    sums.set(key, (sums.get(key) ?? 0) + value);
  }
  return found ? sums : null;
}

function parseLabels(text: string): Map<string, string> {
  const labels = new Map<string, string>();
  for (const match of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
    if (match[1] !== undefined) labels.set(match[1], (match[2] ?? '').replace(/\\(.)/g, '$1'));
  }
  return labels;
}

/** `after` minus `before`, key by key (a key missing before counts as 0); null if either is null. */
export function diffCounts(
  before: ReadonlyMap<string, number> | null,
  after: ReadonlyMap<string, number> | null,
): Map<string, number> | null {
  if (before === null || after === null) return null;
  const diff = new Map<string, number>();
  for (const [key, value] of after) diff.set(key, value - (before.get(key) ?? 0));
  return diff;
}

/** Adds maps key by key; null as soon as one is null (a replica without the metric). */
export function addCounts(maps: readonly (ReadonlyMap<string, number> | null)[]): Map<string, number> | null {
  const sum = new Map<string, number>();
  for (const map of maps) {
    if (map === null) return null;
    for (const [key, value] of map) sum.set(key, (sum.get(key) ?? 0) + value);
  }
  return sum;
}

export interface UpstreamFigures {
  /** Requests the simulator received during the run, any status. */
  requests: number;
  callsPerSecond: number;
  status429: number;
  maxInAnySecond: number;
}

export interface ScenarioResult {
  people: number;
  replicas: number;
  seconds: number;
  pages: number;
  pagesPerSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
  okPages: number;
  /** extensions.code (or HTTP_<status>, or the client's error code) -> pages with it. */
  errorCodes: Record<string, number>;
  upstream: Record<ProviderName, UpstreamFigures>;
  /** `gateway_upstream_cache_lookups_total` by result, summed over the replicas; null when absent. */
  cacheLookups: Record<string, number> | null;
  freshness: FreshnessSummary;
  /** 1-minute load average of the machine at the start and at the end: how shared it was. */
  loadAverage: [number, number];
  /** Who had the CPU over the measured window: absent when it was not measured. */
  contention?: Contention;
  /** Pages slower than the p99 target, by the second of the run they were sent in: where the tail is. */
  slowPages?: SlowPages;
}

export interface Contention {
  /** Share of all the machine's cores spent busy (anything, not only the bench's processes), 0..1. */
  machineBusy: number;
  /** CPU each gateway process used, in cores (1: one core the whole window). */
  gatewayCores: number[];
  /** Each gateway's event-loop delay (its /metrics, reset by the scrape at the start); null if absent. */
  eventLoop: ({ p99Ms: number; maxMs: number } | null)[];
}

export interface SlowPages {
  thresholdMs: number;
  count: number;
  /** Second of the run (from the first request) -> pages over the threshold sent in it. */
  bySecond: Map<number, number>;
}

/** Counts the pages over `thresholdMs` by the second of the run they were sent in. */
export function slowPagesBySecond(
  samples: readonly { sentAt: number; latencyMs: number }[],
  thresholdMs: number,
): SlowPages {
  const start = Math.min(...samples.map((sample) => sample.sentAt));
  const bySecond = new Map<number, number>();
  let count = 0;
  for (const sample of samples) {
    if (sample.latencyMs <= thresholdMs) continue;
    count += 1;
    const second = Math.floor((sample.sentAt - start) / 1000);
    bySecond.set(second, (bySecond.get(second) ?? 0) + 1);
  }
  return { thresholdMs, count, bySecond };
}

/** `over 250 ms: 45 pages, most in s 0 (30), 1 (10), 7 (5)`: the busiest few seconds, in time order. */
export function formatSlowPages(slow: SlowPages, shown = 5): string {
  if (slow.count === 0) return `Pages over ${formatMs(slow.thresholdMs)}: none.`;
  const busiest = [...slow.bySecond]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, shown)
    .sort((a, b) => a[0] - b[0]);
  const inShown = busiest.reduce((sum, [, count]) => sum + count, 0);
  return (
    `Pages over ${formatMs(slow.thresholdMs)}: ${slow.count}, ${inShown} of them sent in s ` +
    `${busiest.map(([second, count]) => `${second} (${count})`).join(', ')} of the run.`
  );
}

export function formatContention(contention: Contention): string {
  const list = (values: readonly string[]) =>
    values.length <= 1 ? (values[0] ?? '') : `${values.slice(0, -1).join(', ')} and ${values.at(-1)}`;
  const cores = list(contention.gatewayCores.map((cores) => cores.toFixed(2)));
  const lag = contention.eventLoop.every((figures) => figures !== null)
    ? `; event-loop delay p99 ${list(contention.eventLoop.map((figures) => formatMs(figures?.p99Ms ?? null)))}, max ${list(contention.eventLoop.map((figures) => formatMs(figures?.maxMs ?? null)))}`
    : '';
  const gateways = contention.gatewayCores.length === 1 ? 'the gateway used' : 'the gateways used';
  return `CPU: the machine's cores ${formatPercent(contention.machineBusy)} busy, ${gateways} ${cores} cores${lag}.`;
}

export function okRatio(result: ScenarioResult): number | null {
  return result.pages === 0 ? null : result.okPages / result.pages;
}

export function total429s(result: ScenarioResult): number {
  return PROVIDER_NAMES.reduce((sum, provider) => sum + result.upstream[provider].status429, 0);
}

export function totalCallsPerSecond(result: ScenarioResult): number {
  return PROVIDER_NAMES.reduce((sum, provider) => sum + result.upstream[provider].callsPerSecond, 0);
}

/** Every result but `miss` counts as a hit: fresh, stale and stale_if_error all spared an upstream call. */
export function cacheHitRatio(lookups: Record<string, number> | null): number | null {
  if (lookups === null) return null;
  let all = 0;
  let misses = 0;
  for (const [result, count] of Object.entries(lookups)) {
    all += count;
    if (result === 'miss') misses += count;
  }
  return all === 0 ? null : (all - misses) / all;
}

export type Verdict = 'met' | 'missed' | 'n/a';

export interface TargetCheck {
  name: string;
  target: string;
  value: string;
  verdict: Verdict;
}

function verdict(ok: boolean | null): Verdict {
  return ok === null ? 'n/a' : ok ? 'met' : 'missed';
}

/**
 * The issue's targets against one scenario. `single` is the 1-replica result of the same invocation, for
 * the scale-out target (the pair's upstream calls/s no more than one replica's).
 */
export function checkTargets(result: ScenarioResult, single: ScenarioResult | undefined): TargetCheck[] {
  const ratio = okRatio(result);
  const checks: TargetCheck[] = [
    {
      name: 'upstream 429s',
      target: `${TARGETS.upstream429s}`,
      value: String(total429s(result)),
      verdict: verdict(total429s(result) <= TARGETS.upstream429s),
    },
    {
      name: 'p50',
      target: `<= ${TARGETS.p50Ms} ms`,
      value: formatMs(result.p50Ms),
      verdict: verdict(result.p50Ms === null ? null : result.p50Ms <= TARGETS.p50Ms),
    },
    {
      name: 'p99',
      target: `<= ${TARGETS.p99Ms} ms`,
      value: formatMs(result.p99Ms),
      verdict: verdict(result.p99Ms === null ? null : result.p99Ms <= TARGETS.p99Ms),
    },
    {
      name: 'pages without error',
      target: `>= ${formatPercent(TARGETS.okPageRatio)}`,
      value: formatPercent(ratio),
      verdict: verdict(ratio === null ? null : ratio >= TARGETS.okPageRatio),
    },
    {
      name: 'freshness p99',
      target: `<= ${formatMs(TARGETS.freshnessP99Ms)}`,
      value: formatFreshness(result.freshness.p99Ms, result.freshness.windowMs),
      verdict: verdict(
        result.freshness.p99Ms === null ? null : result.freshness.p99Ms <= TARGETS.freshnessP99Ms,
      ),
    },
  ];
  if (result.replicas > 1) {
    const pair = totalCallsPerSecond(result);
    const one = single === undefined ? null : totalCallsPerSecond(single);
    checks.push({
      name: 'upstream calls/s vs 1 replica',
      target: one === null ? '<= 1 replica (run --replicas 1,2)' : `<= ${one.toFixed(1)}/s`,
      value: `${pair.toFixed(1)}/s`,
      // A tenth of a call a second of slack: counting windows start and end a few ms apart.
      verdict: verdict(one === null ? null : pair <= one + 0.1),
    });
  }
  return checks;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return 'n/a';
  if (ms === Number.POSITIVE_INFINITY) return 'never';
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(1)} ms`;
}

function formatFreshness(ms: number | null, windowMs: number): string {
  return ms === Number.POSITIVE_INFINITY ? `> ${formatMs(windowMs)}` : formatMs(ms);
}

export function formatPercent(ratio: number | null): string {
  if (ratio === null) return 'n/a';
  const percent = ratio * 100;
  return `${percent === 100 || percent === 0 ? percent.toFixed(0) : percent.toFixed(1)} %`;
}

function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts)
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return entries.length === 0 ? '–' : entries.map(([key, count]) => `${key} ${count}`).join(', ');
}

const COLUMNS = [
  'people',
  'replicas',
  'pages/s',
  'p50',
  'p99',
  'pages without error',
  'error codes',
  'Altur calls/s',
  'Auralytik calls/s',
  'provider 429s',
  'cache hit rate',
  'freshness p50',
  'freshness p99',
  'never seen',
  'targets missed',
] as const;

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** One Markdown row per scenario, then the targets as a last row. */
export function resultsTable(results: readonly ScenarioResult[]): string {
  const single = results.find((result) => result.replicas === 1);
  const lines = [row(COLUMNS), row(COLUMNS.map((_, i) => (i === 6 || i === 14 ? '---' : '---:')))];
  for (const result of results) {
    const missed = checkTargets(result, single)
      .filter((check) => check.verdict === 'missed')
      .map((check) => check.name);
    const cacheRatio = cacheHitRatio(result.cacheLookups);
    lines.push(
      row([
        String(result.people),
        String(result.replicas),
        result.pagesPerSecond.toFixed(1),
        formatMs(result.p50Ms),
        formatMs(result.p99Ms),
        formatPercent(okRatio(result)),
        formatCounts(result.errorCodes),
        result.upstream.ALTUR.callsPerSecond.toFixed(1),
        result.upstream.AURALYTIK.callsPerSecond.toFixed(1),
        String(total429s(result)),
        result.cacheLookups === null ? 'n/a' : formatPercent(cacheRatio),
        formatFreshness(result.freshness.p50Ms, result.freshness.windowMs),
        formatFreshness(result.freshness.p99Ms, result.freshness.windowMs),
        `${result.freshness.neverSeen} of ${result.freshness.measured}`,
        missed.length === 0 ? 'none' : missed.join(', '),
      ]),
    );
  }
  lines.push(
    row([
      '**target**',
      '',
      '~1 per person',
      `<= ${TARGETS.p50Ms} ms`,
      `<= ${TARGETS.p99Ms} ms`,
      `>= ${formatPercent(TARGETS.okPageRatio)}`,
      '',
      '2 replicas <= 1',
      '2 replicas <= 1',
      String(TARGETS.upstream429s),
      '',
      '',
      `<= ${formatMs(TARGETS.freshnessP99Ms)}`,
      '',
      '',
    ]),
  );
  return lines.join('\n');
}

/** Details a table row has no room for: statuses per provider, cache results, machine load. */
export function resultDetails(result: ScenarioResult): string {
  const upstream = PROVIDER_NAMES.map((provider) => {
    const figures = result.upstream[provider];
    return `${provider} ${figures.requests} requests (${figures.callsPerSecond.toFixed(1)}/s, at most ${figures.maxInAnySecond} in any 1 s, ${figures.status429} × 429)`;
  }).join('; ');
  const cache = result.cacheLookups === null ? 'n/a' : formatCounts(result.cacheLookups);
  return [
    `- ${result.replicas} replica${result.replicas === 1 ? '' : 's'}, ${result.people} people, ${result.seconds} s: ${result.pages} pages, ${result.okPages} without error; upstream: ${upstream}.`,
    `  Cache lookups: ${cache}. Freshness: ${result.freshness.created} campaigns created, ${result.freshness.measured} created at least ${formatMs(result.freshness.windowMs)} before the end, ${result.freshness.neverSeen} of them never seen. Load average ${result.loadAverage[0].toFixed(1)} at the start, ${result.loadAverage[1].toFixed(1)} at the end.`,
    ...(result.contention === undefined && result.slowPages === undefined
      ? []
      : [
          `  ${[
            result.contention === undefined ? '' : formatContention(result.contention),
            result.slowPages === undefined ? '' : formatSlowPages(result.slowPages),
          ]
            .filter((part) => part !== '')
            .join(' ')}`,
        ]),
  ].join('\n');
}

/** Replaces what is between the markers, or appends the markers and the section when they are missing. */
export function replaceBetweenMarkers(document: string, section: string): string {
  const start = document.indexOf(MARKER_START);
  const end = document.indexOf(MARKER_END);
  const block = `${MARKER_START}\n${section.trim()}\n${MARKER_END}`;
  if (start === -1 || end === -1 || end < start) {
    return `${document.trimEnd()}\n\n${block}\n`;
  }
  return `${document.slice(0, start)}${block}${document.slice(end + MARKER_END.length)}`;
}
