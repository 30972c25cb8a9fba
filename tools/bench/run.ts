import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { RATE_WINDOW_MS } from '../../src/http/resilientCalls.js';
import { runLoad } from './load.js';
import { measureRow } from './measure.js';
import { type HeapSummary, type MemoryPeak, MIB, sampleMemory, summariseHeapSnapshot } from './memory.js';
import type { BenchOptions } from './options.js';
import { cpuMicros, describeMachine } from './proc.js';
import {
  buildGateway,
  compileServers,
  PROVIDER_MAX_CONCURRENCY,
  PROVIDER_RATE_LIMIT_PER_SECOND,
  ROOT,
  type Server,
  type Simulators,
  startAnchor,
  startGateway,
  startSimulators,
} from './processes.js';
import { monotonicMicros, type ProfileSummary, summariseProfile } from './profile.js';
import { addedP50, collapsedRows, type Report, type Row, renderSection, writeSection } from './report.js';
import {
  checkFor,
  loadFor,
  lookupSetsFrom,
  ROW_IDS,
  ROWS,
  type RowSpec,
  type TrafficData,
} from './scenarios.js';
import { INSTANTS, LOOKUPS } from './traffic.js';

// The two things `npm run bench` does: measure the rows (each server a fresh process, so that no row inherits
// another's heap) and write the table, or profile the gateway under varied merged traffic.

const BENCHMARKS_FILE = join(ROOT, 'BENCHMARKS.md');
const CACHE_TTL_MS = 5000;

function selectedRows(options: BenchOptions): RowSpec[] {
  if (options.only === null) return [...ROWS];
  const unknown = [...options.only].filter((id) => !ROW_IDS.includes(id));
  if (unknown.length > 0) {
    throw new RangeError(`--only: unknown rows ${unknown.join(', ')} (rows: ${ROW_IDS.join(', ')})`);
  }
  return ROWS.filter((spec) => options.only?.has(spec.id));
}

async function startServer(
  spec: RowSpec,
  simulators: Simulators,
  options: BenchOptions,
): Promise<Server | null> {
  const info = simulators.info;
  const gateway = (responseCacheTtlMs: number, upstreamCache = true) =>
    startGateway(info, {
      responseCacheTtlMs,
      upstreamCache,
      nodeArgs: options.gatewayNodeArgs,
      entry: options.gatewayEntry,
    });
  switch (spec.target) {
    case 'simulators':
      return null;
    case 'floor':
      return startAnchor('floor', info);
    case 'yogaJit':
      return startAnchor('yogaJit', info);
    case 'gateway':
      return gateway(0);
    case 'gatewayUncached':
      return gateway(0, false);
    case 'gatewayCache':
      return gateway(CACHE_TTL_MS);
  }
}

async function trafficData(rows: readonly RowSpec[], simulators: Simulators, options: BenchOptions) {
  let lookupSets: string[][] = [];
  if (rows.some((spec) => spec.workload === 'nodes')) {
    const gateway = await startGateway(simulators.info, {
      responseCacheTtlMs: 0,
      nodeArgs: [],
      entry: options.gatewayEntry,
    });
    try {
      lookupSets = await lookupSetsFrom(gateway.url);
    } finally {
      await gateway.child.stop(20_000);
    }
  }
  const data: TrafficData = { simulators: simulators.info, instants: simulators.info.instants, lookupSets };
  return data;
}

export async function benchmark(options: BenchOptions): Promise<void> {
  const startedAt = new Date();
  const specs = selectedRows(options);
  if (options.build) buildGateway();
  compileServers();
  const simulators = await startSimulators();
  const rows: Row[] = [];
  try {
    const data = await trafficData(specs, simulators, options);
    for (const spec of specs) {
      const server = await startServer(spec, simulators, options);
      try {
        const served =
          server === null
            ? { pid: simulators.child.pid }
            : { pid: server.child.pid, probeUrl: server.probeUrl };
        rows.push(
          await measureRow(
            spec,
            loadFor(spec, server?.url ?? '', data),
            checkFor(spec),
            served,
            simulators,
            options,
          ),
        );
      } finally {
        await server?.child.stop(20_000);
      }
    }
  } finally {
    await simulators.child.stop();
  }
  const section = renderSection(buildReport(rows, startedAt, options));
  process.stdout.write(`${section}\n`);
  if (options.write) {
    writeSection(BENCHMARKS_FILE, 'results', 'Results', section);
    process.stderr.write(`bench: wrote ${BENCHMARKS_FILE}\n`);
  }
}

function command(options: BenchOptions): string {
  return `npm run bench${options.args.length === 0 ? '' : ` -- ${options.args.join(' ')}`}`;
}

function gatewaySettings(options: BenchOptions): string {
  return (
    `Gateway: \`node dist/main.js\`, NODE_ENV=production, LOG_LEVEL=warn, *_RATE_LIMIT_PER_SECOND=${PROVIDER_RATE_LIMIT_PER_SECOND}, ` +
    `*_MAX_CONCURRENCY=${PROVIDER_MAX_CONCURRENCY}, GATEWAY_API_KEYS=<one key>, CLIENT_RATE_LIMIT_PER_SECOND=0, ` +
    `RESPONSE_CACHE_TTL_MS unset (row f-d: ${CACHE_TTL_MS}), UPSTREAM_CACHE_MAX_BYTES at its default (row e: 0)` +
    (options.gatewayNodeArgs.length === 0 ? '' : `; node flags: ${options.gatewayNodeArgs.join(' ')}`) +
    (options.gatewayEntry === null ? '.' : `; entry: ${options.gatewayEntry}.`)
  );
}

export function buildReport(rows: readonly Row[], startedAt: Date, options: BenchOptions): Report {
  const notes: string[] = [];
  for (const id of ['c@1', 'd@1', 'floor-2@1']) {
    const latency = addedP50(rows, id);
    if (latency !== undefined) notes.push(`Added p50 latency at one connection, ${latency.text}.`);
  }
  const varied = rows.filter((row) => row.spec.traffic === 'varied' && row.load !== undefined);
  if (varied.length > 0) {
    const sent = varied.map((row) => `(${row.spec.id}) ${row.load?.variantsSent ?? 0}/${row.variants}`);
    notes.push(
      `Distinct requests sent in the measured seconds of the varied rows (of those cycled): ${sent.join(', ')}.`,
    );
  }
  const collapsed = collapsedRows(rows);
  notes.push(
    collapsed.length === 0
      ? 'Upstream calls per request in the varied rows are one per stream (1 one provider, 2 merged, 50 for nodes): each request paid for its own pages.'
      : `**Upstream calls collapsed** in varied rows ${collapsed.map((row) => `(${row.spec.id})`).join(', ')}: requests shared upstream calls, so those rows understate a request's cost.`,
  );
  const servers = rows.filter((row) => row.spec.target !== 'simulators' && row.load !== undefined);
  if (servers.length > 0) {
    notes.push(
      servers.every((row) => row.peakRssWasReset === true)
        ? 'Peak RSS is per row: each server is a fresh process, and its VmHWM was reset (/proc/<pid>/clear_refs = 5) after the warm-up.'
        : 'Peak RSS is VmHWM since the server started (this kernel did not let it be reset after the warm-up).',
    );
    // The gateway's own throttle (src/http/startWindow.ts): at most this many starts in any window of RATE_WINDOW_MS.
    const allowedPerSecond = (PROVIDER_RATE_LIMIT_PER_SECOND * 1000) / RATE_WINDOW_MS;
    const busiest = Math.max(...servers.map((row) => row.upstream?.perSecond ?? 0));
    notes.push(
      `Busiest provider: ${Math.round(busiest)} calls/s, against the gateway's own throttle of ` +
        `${Math.round(allowedPerSecond)}/s per provider (${PROVIDER_RATE_LIMIT_PER_SECOND} per ${RATE_WINDOW_MS / 1000} s, the config maximum)` +
        (busiest > 0.8 * allowedPerSecond
          ? ': close enough that it may have shaped a row.'
          : ': not the bottleneck.'),
    );
  }
  const upstreamFailures = rows.filter((row) => (row.upstream?.non2xx ?? 0) > 0);
  if (upstreamFailures.length > 0) {
    notes.push(
      `Simulators answered non-2xx in rows ${upstreamFailures.map((row) => `(${row.spec.id}) ${row.upstream?.non2xx}`).join(', ')}.`,
    );
  }
  const disturbed = rows.filter((row) => (row.otherCores ?? 0) >= 0.1);
  if (disturbed.length > 0) {
    notes.push(
      `Other processes used ≥ 0.1 of a core during rows ${disturbed.map((row) => `(${row.spec.id})`).join(', ')} ` +
        '(column "other load"): those rows competed for CPU with something outside the bench.',
    );
  }
  for (const row of rows) if (row.failure !== undefined) notes.push(`(${row.spec.id}) ${row.failure}`);

  return {
    machine: describeMachine(),
    date: startedAt.toISOString(),
    command: command(options),
    settings: [
      `Each row: ${options.warmupS} s warm-up (discarded), then ${options.durationS} s measured; ${options.connections} ` +
        'connections (closed loop: a connection sends its next request when the answer arrives); rows of the one-connection table use one.',
      `Varied traffic: one document; each request takes the next of ${INSTANTS} \`createdBefore\` instants spread over the ` +
        `dataset (or the next of the disjoint sets of ${LOOKUPS} ids), in one sequence shared by all connections, so no two ` +
        'requests in flight are the same and each pays for its own upstream pages. Anchors and gateway get the same request bodies.',
      'Processes, each on 127.0.0.1: simulators (1000 + 1000 campaigns, rate limits off, pages memoised), for the whole run; ' +
        'the floor, plain yoga+jit (both compiled to JavaScript and run by plain `node`, like the gateway) and the gateway, ' +
        'each started afresh for every row; autocannon in the bench process; all sharing the machine above.',
      gatewaySettings(options),
      'CPU µs/req: user + system CPU of the process, from /proc/<pid>/stat, over the measured seconds, divided by the answers received. ' +
        '÷ floor and ÷ yoga+jit: requests a second over those of the anchor row with the same workload and connections, in this run.',
    ],
    rows: [...rows],
    notes,
  };
}

// ---- profile ------------------------------------------------------------------------------------------

function newestProfile(directory: string): string {
  const files = readdirSync(directory)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => join(directory, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  const file = files[0];
  if (file === undefined) throw new Error(`the gateway wrote no .cpuprofile into ${directory}`);
  return file;
}

const snapshotAnswer = z.object({ file: z.string() });
/** Seconds of load around the under-load heap snapshot. */
const SNAPSHOT_LOAD_S = 4;

async function snapshotOf(probeUrl: string): Promise<string> {
  const response = await fetch(`${probeUrl}/heap-snapshot`, { method: 'POST' });
  return snapshotAnswer.parse(await response.json()).file;
}

export async function profile(options: BenchOptions): Promise<void> {
  const startedAt = new Date();
  if (options.build) buildGateway();
  compileServers();
  const directory = mkdtempSync(join(tmpdir(), 'gateway-profile-'));
  const simulators = await startSimulators();
  const spec = ROWS.find((candidate) => candidate.id === 'd');
  if (spec === undefined) throw new Error('row (d) is missing');
  const data: TrafficData = {
    simulators: simulators.info,
    instants: simulators.info.instants,
    lookupSets: [],
  };
  let cpu: { summary: ProfileSummary; file: string; requestsPerSecond: number; cpuMicros: number };
  let heap: { summary: HeapSummary; during: HeapSummary; file: string; peak: MemoryPeak | null };
  try {
    const profiled = await startGateway(simulators.info, {
      responseCacheTtlMs: 0,
      nodeArgs: [...options.gatewayNodeArgs, '--cpu-prof', `--cpu-prof-dir=${directory}`],
      entry: options.gatewayEntry,
    });
    const load = loadFor(spec, profiled.url, data);
    const problem = await checkFor(spec)({
      method: load.method,
      url: load.origin + (load.variants[0]?.path ?? ''),
      headers: load.headers,
      body: load.variants[0]?.body ?? '',
    });
    if (problem !== null) throw new Error(`(d) correctness check failed: ${problem}`);
    await runLoad(load, options.connections, options.warmupS);
    const before = cpuMicros(profiled.child.pid);
    const fromUs = monotonicMicros();
    const result = await runLoad(load, options.connections, options.durationS);
    const toUs = monotonicMicros();
    const used = cpuMicros(profiled.child.pid) - before;
    // The profile is written when the gateway exits, so it must exit cleanly (SIGTERM -> drain -> exit 0).
    await profiled.child.stop(20_000);
    const file = newestProfile(directory);
    cpu = {
      summary: summariseProfile(file, 25, { fromUs, toUs }),
      file,
      requestsPerSecond: result.requestsPerSecond,
      cpuMicros: used / Math.max(1, result.responses),
    };

    const plain = await startGateway(simulators.info, {
      responseCacheTtlMs: 0,
      nodeArgs: options.gatewayNodeArgs,
      entry: options.gatewayEntry,
      snapshotDirectory: directory,
    });
    try {
      const plainLoad = loadFor(spec, plain.url, data);
      await runLoad(plainLoad, options.connections, options.warmupS);
      const sampler = sampleMemory(plain.probeUrl);
      await runLoad(plainLoad, options.connections, options.durationS);
      const peak = await sampler.stop();
      // Then, apart from the sampled seconds (a snapshot's own memory would be counted in their peak), one
      // snapshot under load (live objects then include the requests in flight) and one after it: the
      // difference is what requests in flight hold. A snapshot collects garbage first, so neither shows the
      // dead objects that fill the old generation between major GCs.
      const running = runLoad(plainLoad, options.connections, SNAPSHOT_LOAD_S);
      await new Promise((resolve) => setTimeout(resolve, (SNAPSHOT_LOAD_S * 1000) / 2));
      const during = await snapshotOf(plain.probeUrl);
      await running;
      const after = await snapshotOf(plain.probeUrl);
      heap = {
        summary: summariseHeapSnapshot(after, 15),
        during: summariseHeapSnapshot(during, 15),
        file: after,
        peak,
      };
    } finally {
      await plain.child.stop(20_000);
    }
  } finally {
    await simulators.child.stop();
  }
  const section = renderProfile(cpu, heap, startedAt, options);
  process.stdout.write(`${section}\n`);
  process.stderr.write(`bench: profile ${cpu.file}, heap snapshot ${heap.file}\n`);
  if (options.write) {
    writeSection(BENCHMARKS_FILE, options.profileSection, `Profile (${options.profileSection})`, section);
    process.stderr.write(`bench: wrote ${BENCHMARKS_FILE}\n`);
  }
}

function renderProfile(
  cpu: { summary: ProfileSummary; requestsPerSecond: number; cpuMicros: number },
  heap: { summary: HeapSummary; during: HeapSummary; peak: MemoryPeak | null },
  startedAt: Date,
  options: BenchOptions,
): string {
  const { summary } = cpu;
  const hotspots = (title: string, spots: ProfileSummary['selfByFunction'], limit: number) =>
    [
      `**${title}**`,
      '',
      '| # | share of busy samples | ms | function — file:line |',
      '| --- | --- | --- | --- |',
      ...spots
        .slice(0, limit)
        .map(
          (spot, index) =>
            `| ${index + 1} | ${(spot.share * 100).toFixed(1)} % | ${spot.ms.toFixed(0)} | \`${spot.name}\` |`,
        ),
    ].join('\n');
  const peak = heap.peak?.atPeak;
  const afterByName = new Map(heap.summary.byClass.map((entry) => [entry.name, entry]));
  const heapLines = [
    '| class (shallow size) | objects during load | MiB during load | MiB after load | share during load |',
    '| --- | --- | --- | --- | --- |',
    ...heap.during.byClass.map((entry) => {
      const after = afterByName.get(entry.name);
      return `| \`${entry.name}\` | ${entry.count.toLocaleString('en-US')} | ${(entry.selfBytes / MIB).toFixed(1)} | ${after === undefined ? '–' : (after.selfBytes / MIB).toFixed(1)} | ${((entry.selfBytes / heap.during.totalBytes) * 100).toFixed(1)} % |`;
    }),
  ];
  return [
    `Generated ${startedAt.toISOString()} by \`${command(options)}\` (Node ${process.version}).`,
    '',
    `Row (d)'s traffic (merged \`campaigns(first: 100)\`, varied \`createdBefore\`), ${options.connections} connections, ` +
      `${options.warmupS} s warm-up, then ${options.durationS} s profiled (only the samples of those seconds: start-up and warm-up left out), ` +
      `against \`node --cpu-prof dist/main.js\`: ` +
      `${Math.round(cpu.requestsPerSecond)} req/s under the profiler, ${cpu.cpuMicros.toFixed(0)} µs of gateway CPU a request; ` +
      `busy ${Math.round(summary.busyMs)} ms, idle ${(summary.idleShare * 100).toFixed(1)} % of the samples.`,
    '',
    hotspots('Top 15 functions by self time', summary.selfByFunction, 15),
    '',
    hotspots('Self time by package or file', summary.selfByArea, 10),
    '',
    hotspots("Inclusive time of the gateway's own functions", summary.totalByFunction, 10),
    '',
    `**Heap under the same traffic** (a second gateway process, no profiler: memory sampled over ${options.durationS} s of load, then heap snapshots in the middle of ${SNAPSHOT_LOAD_S} s more load and right after it): ` +
      `${(heap.during.totalBytes / MIB).toFixed(1)} MiB live during the load (${heap.during.nodes.toLocaleString('en-US')} objects), ` +
      `${(heap.summary.totalBytes / MIB).toFixed(1)} MiB after it.` +
      (peak === undefined
        ? ''
        : ` At the fullest sample under load: RSS ${(peak.rss / MIB).toFixed(0)} MiB, V8 heap committed ${(peak.heapTotal / MIB).toFixed(0)} MiB ` +
          `(young generation ${(((peak.spaces.new_space?.size ?? 0) + (peak.spaces.new_large_object_space?.size ?? 0)) / MIB).toFixed(0)} MiB), ` +
          `used ${(peak.heapUsed / MIB).toFixed(0)} MiB, external ${(peak.external / MIB).toFixed(0)} MiB.`),
    '',
    ...heapLines,
  ].join('\n');
}
