import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { LoadResult } from './load.js';
import { type MemoryPeak, MIB, youngGenerationBytes } from './memory.js';
import type { Machine } from './proc.js';
import { CALLS_PER_REQUEST, type Group, type RowSpec } from './scenarios.js';

// The generated sections of BENCHMARKS.md: the tables of a run, the ratios against the anchors of that same
// run, the targets of issue 11, and the notes a reader needs to trust (or distrust) the figures.

export interface Row {
  spec: RowSpec;
  connections: number;
  /** Distinct requests the row cycles through (1 for identical traffic). */
  variants: number;
  /** Why the row has no figures: a failed correctness check or a process that died. */
  failure?: string;
  load?: LoadResult;
  /** CPU of the process the row measures per answered request. */
  serverCpuMicros?: number;
  /** Minor page faults of that process per answered request. */
  serverFaults?: number;
  /** CPU of the simulators' process per answered request (the same figure for the direct rows). */
  simulatorCpuMicros?: number;
  peakRssMiB?: number | null;
  peakRssWasReset?: boolean | undefined;
  memory?: MemoryPeak;
  /** Provider calls the simulators received per answered request. */
  upstream?: { altur: number; auralytik: number; non2xx: number; perSecond: number };
  /** Cores' worth of CPU that processes other than the bench's used during the row: noise from outside. */
  otherCores?: number;
}

export interface Report {
  machine: Machine;
  date: string;
  command: string;
  settings: string[];
  rows: Row[];
  notes: string[];
}

/** Peak RSS the issue asks the gateway to stay under, at V8 defaults. */
export const RSS_TARGET_MIB = 150;

const SERVED: Readonly<Record<RowSpec['target'], string>> = {
  simulators: 'simulator',
  floor: 'floor',
  yogaJit: 'yoga+jit',
  gateway: 'gateway',
  gatewayUncached: 'gateway',
  gatewayCache: 'gateway',
};

const HEADER = [
  'row',
  'scenario',
  'conns',
  'req/s',
  'p50 ms',
  'p99 ms',
  'CPU µs/req (server)',
  'simulators CPU µs/req',
  'peak RSS MiB',
  'upstream calls/req (Altur + Auralytik)',
  'non-2xx / errors',
  '÷ floor',
  '÷ yoga+jit',
  'other load (cores)',
];

const GROUP_TITLES: Readonly<Record<Group, string>> = {
  headline: `Varied traffic, the headline: one document, a different \`createdBefore\` (or id set) each request`,
  latency: 'One connection, varied traffic: latency without queueing',
  coalescing:
    'Identical requests (coalescing, not a headline): in-flight upstream GETs and mapped bodies are shared',
};

function fixed(value: number | undefined | null, digits: number): string {
  return value === undefined || value === null || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

function ms(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

function mib(bytes: number | undefined): string {
  return bytes === undefined ? '–' : (bytes / MIB).toFixed(0);
}

/**
 * The anchor row a row is compared with: the same workload at the same concurrency (one provider for plain
 * yoga+jit, which serves only that), measured in this run.
 */
export function anchorOf(row: Row, rows: readonly Row[], anchor: 'floor' | 'yogaJit'): Row | undefined {
  const workload = anchor === 'yogaJit' ? 'single' : row.spec.workload;
  if (row.spec.workload !== workload) return undefined;
  return rows.find(
    (candidate) =>
      candidate.spec.anchor === anchor &&
      candidate.spec.workload === workload &&
      candidate.spec.concurrency === row.spec.concurrency &&
      candidate.load !== undefined,
  );
}

export function ratioTo(row: Row, rows: readonly Row[], anchor: 'floor' | 'yogaJit'): number | undefined {
  const base = anchorOf(row, rows, anchor);
  if (row.load === undefined || base?.load === undefined) return undefined;
  return row.load.requestsPerSecond / base.load.requestsPerSecond;
}

function cells(row: Row, rows: readonly Row[]): string[] {
  const first = [`(${row.spec.id})`, row.spec.label, String(row.connections)];
  if (row.failure !== undefined || row.load === undefined) {
    return [...first, `**not measured:** ${row.failure ?? 'no result'}`, ...HEADER.slice(4).map(() => '')];
  }
  const { load, upstream } = row;
  const served = SERVED[row.spec.target];
  return [
    ...first,
    Math.round(load.requestsPerSecond).toLocaleString('en-US'),
    ms(load.p50Ms),
    ms(load.p99Ms),
    `${fixed(row.serverCpuMicros, 0)} (${served})`,
    row.spec.target === 'simulators' ? '(same)' : fixed(row.simulatorCpuMicros, 0),
    row.spec.target === 'simulators' ? '' : fixed(row.peakRssMiB, 0),
    upstream === undefined
      ? '–'
      : `${fixed(upstream.altur + upstream.auralytik, 2)} (${fixed(upstream.altur, 2)} + ${fixed(upstream.auralytik, 2)})`,
    `${load.non2xx} / ${load.errors}`,
    fixed(ratioTo(row, rows, 'floor'), 2),
    fixed(ratioTo(row, rows, 'yogaJit'), 2),
    fixed(row.otherCores, 2),
  ];
}

function table(header: readonly string[], lines: readonly (readonly string[])[]): string {
  return [header, header.map(() => '---'), ...lines].map((line) => `| ${line.join(' | ')} |`).join('\n');
}

export function markdownTables(rows: readonly Row[]): string {
  const groups: Group[] = ['headline', 'latency', 'coalescing'];
  return groups
    .map((group) => ({ group, members: rows.filter((row) => row.spec.group === group) }))
    .filter(({ members }) => members.length > 0)
    .map(({ group, members }) =>
      [
        `**${GROUP_TITLES[group]}**`,
        '',
        table(
          HEADER,
          members.map((row) => cells(row, rows)),
        ),
      ].join('\n'),
    )
    .join('\n\n');
}

/** What held each server's memory at its fullest sample during the row. */
export function memoryTable(rows: readonly Row[]): string {
  const measured = rows.filter((row) => row.memory !== undefined && row.load !== undefined);
  if (measured.length === 0) return '';
  const header = [
    'row',
    'server',
    'page faults/req',
    'peak RSS MiB',
    'RSS at fullest sample',
    'V8 heap committed',
    'of which young generation',
    'V8 heap used (max)',
    'external (of which array buffers)',
    'outside the V8 heap',
  ];
  const lines = measured.map((row) => {
    const peak = row.memory;
    if (peak === undefined) return [];
    const sample = peak.atPeak;
    const outside = sample.rss - sample.heapTotal - sample.external;
    return [
      `(${row.spec.id})`,
      SERVED[row.spec.target],
      fixed(row.serverFaults, 0),
      fixed(row.peakRssMiB, 0),
      mib(sample.rss),
      mib(sample.heapTotal),
      mib(youngGenerationBytes(sample)),
      mib(peak.maxHeapUsed),
      `${mib(sample.external)} (${mib(sample.arrayBuffers)})`,
      mib(Math.max(0, outside)),
    ];
  });
  return [
    '**Memory at each row (MiB; samples every 250 ms from a probe preloaded into the server)**',
    '',
    table(header, lines),
  ].join('\n');
}

interface Target {
  target: string;
  result: string;
  met: boolean | undefined;
}

function byId(rows: readonly Row[], id: string): Row | undefined {
  return rows.find((row) => row.spec.id === id && row.load !== undefined);
}

/** Added p50 of a one-connection row over the slower of the direct calls it makes. */
export function addedP50(rows: readonly Row[], id: string): { added: number; text: string } | undefined {
  const measured = byId(rows, id);
  if (measured?.load === undefined) return undefined;
  const directIds = measured.spec.workload === 'merged' ? ['a-altur@1', 'a-auralytik@1'] : ['a-altur@1'];
  const directs = directIds.map((direct) => byId(rows, direct)).filter((row) => row?.load !== undefined);
  if (directs.length !== directIds.length) return undefined;
  const slowest = directs.reduce((a, b) => ((a?.load?.p50Ms ?? 0) >= (b?.load?.p50Ms ?? 0) ? a : b));
  const direct = slowest?.load?.p50Ms;
  if (direct === undefined || slowest === undefined) return undefined;
  const added = measured.load.p50Ms - direct;
  return {
    added,
    text: `(${id}) − (${slowest.spec.id}): ${added.toFixed(2)} ms (${measured.load.p50Ms.toFixed(2)} − ${direct.toFixed(2)})`,
  };
}

export function targets(rows: readonly Row[]): Target[] {
  const out: Target[] = [];
  const ratio = (id: string, anchor: 'floor' | 'yogaJit', floor: number, what: string) => {
    const row = byId(rows, id);
    const value = row === undefined ? undefined : ratioTo(row, rows, anchor);
    const base = row === undefined ? undefined : anchorOf(row, rows, anchor);
    out.push({
      target: what,
      result:
        value === undefined || row?.load === undefined || base?.load === undefined
          ? 'not measured'
          : `**${value.toFixed(2)} ×** (${Math.round(row.load.requestsPerSecond)} of ${Math.round(base.load.requestsPerSecond)} req/s, (${id}) ÷ (${base.spec.id}))`,
      met: value === undefined ? undefined : value >= floor,
    });
  };
  ratio('c', 'yogaJit', 1, 'one provider ≥ 1.0 × plain yoga+jit');
  ratio('c', 'floor', 0.6, 'one provider ≥ 0.6 × its floor');
  ratio('d', 'floor', 0.7, 'merged ≥ 0.7 × its floor');
  const latency = addedP50(rows, 'd@1');
  out.push({
    target: 'added p50 at one connection ≤ 2 ms (merged, over the slower direct call)',
    result: latency === undefined ? 'not measured' : `**${latency.added.toFixed(2)} ms**, ${latency.text}`,
    met: latency === undefined ? undefined : latency.added <= 2,
  });
  const loaded = rows.filter(
    (row) =>
      (row.spec.target === 'gateway' || row.spec.target === 'gatewayUncached') &&
      row.spec.group === 'headline' &&
      row.peakRssMiB !== undefined &&
      row.peakRssMiB !== null,
  );
  const worst = Math.max(...loaded.map((row) => row.peakRssMiB ?? 0));
  out.push({
    target: `gateway peak RSS < ${RSS_TARGET_MIB} MiB under the loaded rows, V8 defaults`,
    result:
      loaded.length === 0
        ? 'not measured'
        : `**${worst.toFixed(0)} MiB** at most (${loaded.map((row) => `(${row.spec.id}) ${fixed(row.peakRssMiB, 0)}`).join(', ')})`,
    met: loaded.length === 0 ? undefined : worst < RSS_TARGET_MIB,
  });
  return out;
}

function targetsTable(rows: readonly Row[]): string {
  const lines = targets(rows).map((target) => [
    target.target,
    target.result,
    target.met === undefined ? '' : target.met ? 'met' : 'not met',
  ]);
  return ['**Targets of issue 11, from this run**', '', table(['target', 'result', ''], lines)].join('\n');
}

/** Rows whose upstream calls per request fell well below one per stream: sharing, not each request's cost. */
export function collapsedRows(rows: readonly Row[]): Row[] {
  return rows.filter((row) => {
    if (row.spec.traffic !== 'varied' || row.upstream === undefined) return false;
    const calls = row.upstream.altur + row.upstream.auralytik;
    return calls < 0.9 * CALLS_PER_REQUEST[row.spec.workload];
  });
}

export function renderSection(report: Report): string {
  const { machine } = report;
  const memory = memoryTable(report.rows);
  return [
    `Generated ${report.date} by \`${report.command}\`.`,
    '',
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), Linux ${machine.kernel}, Node ${machine.node}.`,
    '',
    ...report.settings.map((line) => `- ${line}`),
    '',
    markdownTables(report.rows),
    '',
    ...report.notes.map((line) => `- ${line}`),
    '',
    targetsTable(report.rows),
    ...(memory === '' ? [] : ['', memory]),
  ].join('\n');
}

function markers(name: string): { begin: string; end: string } {
  return {
    begin: `<!-- bench:${name}:begin (generated by npm run bench; edits here are overwritten) -->`,
    end: `<!-- bench:${name}:end -->`,
  };
}

/**
 * Replaces the generated section `name` of `path`, keeping the hand-written text around it; a section not
 * there yet is appended under `title`.
 */
export function writeSection(path: string, name: string, title: string, section: string): void {
  const { begin: BEGIN, end: END } = markers(name);
  const generated = `${BEGIN}\n\n${section}\n\n${END}`;
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const begin = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const next =
    begin >= 0 && end > begin
      ? `${current.slice(0, begin)}${generated}${current.slice(end + END.length)}`
      : `${current.trimEnd()}\n\n## ${title}\n\n${generated}\n`;
  writeFileSync(path, next);
}
