import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { killAllNow, stopAll } from './children.js';
import { positive } from './options.js';
import { cpuMicros } from './proc.js';
import {
  CLIENT_KEY,
  compileServers,
  type Server,
  type SimulatorsInfo,
  startAnchor,
  startGateway,
  startSimulators,
} from './processes.js';
import { campaignsBodies } from './traffic.js';

// `npm run bench:alloc`: builds A/B'd at a fixed count of requests rather than for a fixed time. On a shared
// machine whose speed changes from one row to the next, requests a second move by ±15-25 % between runs of
// one build; what a request allocates and promotes, read from V8's own GC trace, hardly moves. Each round
// starts every build afresh on the same simulators, warms it, then sends the same varied requests at 10 in
// flight and sums the trace (`--trace-gc-nvp`) and /proc CPU over them. Rounds alternate the builds.

const USAGE = `npm run bench:alloc [-- options]
  --row c|d            one provider (c) or merged (d), varied createdBefore (default d)
  --entry PATH         a build's main.js, repeatable (default dist/main.js); run npm run build first;
                       anchor:floor or anchor:yogaJit measures that anchor of npm run bench instead
  --rounds N           alternating rounds (default 3)
  --requests N         measured requests a round (default 2500)
  --warmup N           requests before them, not measured (default 1500)
  --node-args="..."    more node options for every build, e.g. --node-args="--cpu-prof --cpu-prof-dir=/tmp/prof"`;

interface Round {
  entry: string;
  requestsPerSecond: number;
  cpuMicrosPerRequest: number;
  allocatedKiBPerRequest: number;
  promotedKiBPerRequest: number;
  pauseMicrosPerRequest: number;
  fullCollections: number;
  failed: number;
}

/** What V8's `--trace-gc-nvp` lines say, summed. */
export interface GcTotals {
  allocated: number;
  promoted: number;
  pauseMs: number;
  scavenges: number;
  full: number;
}

/** Sums `--trace-gc-nvp` lines (one per collection: `gc=s` a scavenge, any other kind a full collection). */
export function sumGcTrace(lines: readonly string[]): GcTotals {
  const totals: GcTotals = { allocated: 0, promoted: 0, pauseMs: 0, scavenges: 0, full: 0 };
  for (const line of lines) {
    const kind = / gc=(\w+)/.exec(line)?.[1];
    if (kind === undefined) continue;
    if (kind === 's') totals.scavenges++;
    else totals.full++;
    totals.pauseMs += Number(/ pause=([\d.]+)/.exec(line)?.[1] ?? 0);
    totals.allocated += Number(/ allocated=(\d+)/.exec(line)?.[1] ?? 0);
    totals.promoted += Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0);
  }
  return totals;
}

async function send(url: string, bodies: readonly string[], count: number, offset: number) {
  const pool = new Pool(url, { connections: 10 });
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < count) {
      const body = bodies[(offset + next++) % bodies.length] ?? '';
      const response = await pool.request({
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
        body,
      });
      const text = await response.body.text();
      if (response.statusCode !== 200 || text.includes('"errors"')) failed++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: 10 }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return { seconds, failed };
}

const ANCHORS = { 'anchor:floor': 'floor', 'anchor:yogaJit': 'yogaJit' } as const;
const isAnchor = (entry: string): entry is keyof typeof ANCHORS => Object.hasOwn(ANCHORS, entry);

function start(info: SimulatorsInfo, entry: string, extraNodeArgs: readonly string[]): Promise<Server> {
  const nodeArgs = ['--trace-gc-nvp', ...extraNodeArgs];
  if (isAnchor(entry)) return startAnchor(ANCHORS[entry], info, { nodeArgs, forwardStdout: false });
  return startGateway(info, { responseCacheTtlMs: 0, nodeArgs, entry, forwardStdout: false });
}

async function round(info: SimulatorsInfo, entry: string, bodies: readonly string[], options: Options) {
  const lines: string[] = [];
  const server = await start(info, entry, options.nodeArgs);
  const stdout = server.child.process.stdout;
  // By line, not by chunk: a chunk may end inside a trace line. A new reader also resumes an anchor's stdout,
  // which the reader of its ready line paused when it let go.
  if (stdout !== null)
    createInterface({ input: stdout }).on('line', (line) => {
      if (line.includes(' gc=')) lines.push(line);
    });
  try {
    await send(server.url, bodies, options.warmup, 0);
    const seen = lines.length;
    const cpuBefore = cpuMicros(server.child.pid);
    const { seconds, failed } = await send(server.url, bodies, options.requests, options.warmup);
    const cpu = cpuMicros(server.child.pid) - cpuBefore;
    const gc = sumGcTrace(lines.slice(seen));
    const n = options.requests;
    return {
      entry,
      requestsPerSecond: n / seconds,
      cpuMicrosPerRequest: cpu / n,
      allocatedKiBPerRequest: gc.allocated / 1024 / n,
      promotedKiBPerRequest: gc.promoted / 1024 / n,
      pauseMicrosPerRequest: (gc.pauseMs * 1000) / n,
      fullCollections: gc.full,
      failed,
    } satisfies Round;
  } finally {
    await server.child.stop();
  }
}

interface Options {
  row: 'c' | 'd';
  entries: string[];
  rounds: number;
  requests: number;
  warmup: number;
  nodeArgs: string[];
}

function parse(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      row: { type: 'string', default: 'd' },
      entry: { type: 'string', multiple: true },
      rounds: { type: 'string', default: '3' },
      requests: { type: 'string', default: '2500' },
      warmup: { type: 'string', default: '1500' },
      'node-args': { type: 'string', default: '' },
    },
  });
  const count = (name: string, raw: string) => positive(name, raw, true);
  if (values.row !== 'c' && values.row !== 'd') throw new RangeError('--row must be c or d');
  return {
    row: values.row,
    entries: values.entry ?? ['dist/main.js'],
    rounds: count('rounds', values.rounds),
    requests: count('requests', values.requests),
    warmup: count('warmup', values.warmup),
    nodeArgs: values['node-args'].split(' ').filter((arg) => arg !== ''),
  };
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const options = parse(argv);
  process.on('exit', killAllNow);
  compileServers();
  const simulators = await startSimulators();
  const bodies = campaignsBodies(simulators.info.instants, options.row === 'c' ? ['ALTUR'] : null);
  const rounds: Round[] = [];
  for (let index = 0; index < options.rounds; index++) {
    for (const entry of options.entries) {
      const result = await round(simulators.info, entry, bodies, options);
      rounds.push(result);
      process.stderr.write(`bench:alloc round ${index + 1} ${entry}: ${JSON.stringify(result)}\n`);
    }
  }
  const header =
    '| build | req/s | CPU µs/req | allocated KiB/req | promoted KiB/req | GC pause µs/req | full collections | failed |';
  const rows = options.entries.map((entry) => {
    const mine = rounds.filter((result) => result.entry === entry);
    const m = (pick: (result: Round) => number, digits = 0) => median(mine.map(pick)).toFixed(digits);
    return `| ${entry} | ${m((r) => r.requestsPerSecond)} | ${m((r) => r.cpuMicrosPerRequest)} | ${m((r) => r.allocatedKiBPerRequest)} | ${m((r) => r.promotedKiBPerRequest, 1)} | ${m((r) => r.pauseMicrosPerRequest)} | ${m((r) => r.fullCollections)} | ${m((r) => r.failed)} |`;
  });
  process.stdout.write(
    `Row (${options.row}), ${options.rounds} alternating rounds of ${options.requests} requests after ${options.warmup}, medians:\n\n` +
      `${header}\n| --- | --- | --- | --- | --- | --- | --- | --- |\n${rows.join('\n')}\n`,
  );
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2))
    .catch((error: unknown) => {
      process.stderr.write(`bench:alloc: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    })
    .then(async (code) => {
      await stopAll();
      process.exit(code);
    });
}
