import { setTimeout as sleep } from 'node:timers/promises';
import { type LoadSpec, runLoad } from './load.js';
import { type MemoryPeak, sampleMemory } from './memory.js';
import { cpuMicros, machineBusyMicros, minorFaults, peakRssMiB, resetPeakRss } from './proc.js';
import type { Simulators } from './processes.js';
import type { Row } from './report.js';
import type { Check, RowSpec } from './scenarios.js';

// One row's measurement: check an answer, wait for a quiet machine, warm up, then time the row while reading
// the CPU of every process involved, the server's peak RSS and heap, and the calls the providers received.

/** CPU used by processes outside the bench during a row above which the row is flagged as disturbed. */
export const DISTURBED_CORES = 0.1;
const QUIET_WINDOW_MS = 500;

export interface MeasureSettings {
  durationS: number;
  warmupS: number;
  connections: number;
  quietWaitMs: number;
}

/** The process a row measures; the simulators' own rows have no probe. */
export interface Served {
  pid: number;
  probeUrl?: string;
}

/**
 * Between rows the bench's processes are idle, so whatever keeps the machine busy then is someone else's
 * (a test run, a build). Waiting a little for it to pass beats measuring against it; after `maxMs` the row
 * runs anyway and its "other load" column says so.
 */
async function waitForQuietMachine(maxMs: number): Promise<void> {
  const until = performance.now() + maxMs;
  for (;;) {
    const before = machineBusyMicros();
    await sleep(QUIET_WINDOW_MS);
    const cores = (machineBusyMicros() - before) / (QUIET_WINDOW_MS * 1000);
    if (cores < DISTURBED_CORES) return;
    if (performance.now() >= until) {
      process.stderr.write(
        `bench: the machine is busy (${cores.toFixed(2)} cores outside rows); measuring anyway\n`,
      );
      return;
    }
  }
}

/** The first variant and one from the middle: varied traffic must work for more than its first value. */
function checkedRequests(load: LoadSpec) {
  const picks = [0, Math.floor(load.variants.length / 2)].filter(
    (index, position, all) => all.indexOf(index) === position,
  );
  return picks.map((index) => {
    const variant = load.variants[index];
    if (variant === undefined) throw new Error('no such variant');
    return {
      method: load.method,
      url: load.origin + variant.path,
      headers: load.headers,
      ...(variant.body === undefined ? {} : { body: variant.body }),
    };
  });
}

export async function measureRow(
  spec: RowSpec,
  load: LoadSpec,
  check: Check,
  served: Served,
  simulators: Simulators,
  settings: MeasureSettings,
): Promise<Row> {
  const connections = spec.concurrency === 'loaded' ? settings.connections : 1;
  const row: Row = { spec, connections, variants: load.variants.length };
  process.stderr.write(`bench: (${spec.id}) ${spec.label}, ${connections} connection(s)\n`);
  for (const request of checkedRequests(load)) {
    const problem = await check(request).catch((error: unknown) => String(error));
    if (problem !== null) {
      row.failure = `correctness check failed: ${problem}`;
      process.stderr.write(`bench: (${spec.id}) ${row.failure}\n`);
      return row;
    }
  }
  await waitForQuietMachine(settings.quietWaitMs);
  const warmup = await runLoad(load, connections, settings.warmupS);
  // autocannon abandons the requests in flight when a run ends; the server still finishes them, and their
  // upstream calls must not count in the measured seconds.
  await sleep(Math.min(3000, Math.max(200, 2 * (Number.isFinite(warmup.p99Ms) ? warmup.p99Ms : 1000))));

  await simulators.resetStats();
  const simulatorsPid = simulators.child.pid;
  const measuresServer = served.pid !== simulatorsPid;
  row.peakRssWasReset = measuresServer ? resetPeakRss(served.pid) : undefined;
  const ours = () =>
    cpuMicros(process.pid) + cpuMicros(simulatorsPid) + (measuresServer ? cpuMicros(served.pid) : 0);
  const machineBefore = machineBusyMicros();
  const oursBefore = ours();
  const serverBefore = cpuMicros(served.pid);
  const faultsBefore = minorFaults(served.pid);
  const simulatorBefore = cpuMicros(simulatorsPid);
  const sampler = served.probeUrl === undefined ? null : sampleMemory(served.probeUrl);
  const result = await runLoad(load, connections, settings.durationS);
  const memory: MemoryPeak | null = sampler === null ? null : await sampler.stop();
  const serverMicros = cpuMicros(served.pid) - serverBefore;
  const faults = minorFaults(served.pid) - faultsBefore;
  const simulatorMicros = cpuMicros(simulatorsPid) - simulatorBefore;
  const foreignMicros = machineBusyMicros() - machineBefore - (ours() - oursBefore);
  const stats = await simulators.readStats();

  const perRequest = (value: number) => (result.responses === 0 ? Number.NaN : value / result.responses);
  // Upstream calls happen early in a request, so the requests still in flight when the run ended (one per
  // connection) have made theirs: calls are divided by the requests started, not only those answered.
  const perStarted = (value: number) =>
    result.responses === 0 ? Number.NaN : value / (result.responses + connections);
  const calls = (tally: { list: number; detail: number; other: number }) =>
    tally.list + tally.detail + tally.other;
  row.load = result;
  row.otherCores = Math.max(0, foreignMicros / (result.seconds * 1_000_000));
  row.serverCpuMicros = perRequest(serverMicros);
  row.serverFaults = perRequest(faults);
  row.simulatorCpuMicros = perRequest(simulatorMicros);
  if (measuresServer) row.peakRssMiB = peakRssMiB(served.pid);
  if (memory !== null) row.memory = memory;
  row.upstream = {
    altur: perStarted(calls(stats.altur)),
    auralytik: perStarted(calls(stats.auralytik)),
    non2xx: stats.altur.non2xx + stats.auralytik.non2xx,
    perSecond: Math.max(calls(stats.altur), calls(stats.auralytik)) / result.seconds,
  };
  return row;
}
