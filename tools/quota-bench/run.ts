import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type Child,
  forwardOutput,
  freePort,
  readyLine,
  spawnChild,
  stopAll,
  stopChildrenOnExit,
  waitUntilServing,
} from './children.js';
import { FILTERS, PAGE_QUERY, PAGE_SIZE, runPeople } from './people.js';
import {
  type ProviderName,
  type SimulatorsReady,
  simulatorStatsSchema,
  simulatorsReadySchema,
} from './protocol.js';
import {
  addCounts,
  type Contention,
  checkTargets,
  diffCounts,
  formatMs,
  percentile,
  replaceBetweenMarkers,
  resultDetails,
  resultsTable,
  type ScenarioResult,
  slowPagesBySecond,
  sumCounterBy,
  summariseFreshness,
  TARGETS,
  type UpstreamFigures,
} from './report.js';

// `npm run bench:quota`: the workload of issue 12. Simulated people page through the merged connection
// with think time and mixed filters, through 1 or more real gateway processes, against simulators that
// enforce Altur's 12 requests/s and create campaigns during the run. See BENCHMARKS.md, "Quota workload".

const USAGE = `Usage: npm run bench:quota -- [options]
  --people N              simulated people (default 150)
  --seconds S             measured seconds per scenario (default 30)
  --replicas LIST         gateway replicas, a comma list run one after the other (default 1; e.g. 1,2).
                          More than one share a throwaway redis-server
  --think-ms MS           mean think time between a person's pages, ±25 % (default 1000)
  --create-every-ms MS    one new campaign per provider this often (default 2000; 0: none)
  --freshness-window-ms   campaigns created this close to the end are not measured, and one not seen
                          within it counts as never seen (default 5000)
  --gateway-env K=V       extra environment for every gateway (repeatable), e.g. a cache setting
  --seed N                seeds the think-time jitter (default 1)
  --label TEXT            heading of the section --write produces (default "Latest run")
  --write                 also write the section between the quota-bench markers in BENCHMARKS.md`;

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BENCHMARKS_PATH = `${REPO_ROOT}BENCHMARKS.md`;
const NODE = process.execPath;

interface Options {
  people: number;
  seconds: number;
  replicas: number[];
  thinkMs: number;
  createEveryMs: number;
  freshnessWindowMs: number;
  gatewayEnv: Record<string, string>;
  seed: number;
  label: string;
  write: boolean;
  argv: string[];
}

function intOption(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      people: { type: 'string' },
      seconds: { type: 'string' },
      replicas: { type: 'string' },
      'think-ms': { type: 'string' },
      'create-every-ms': { type: 'string' },
      'freshness-window-ms': { type: 'string' },
      'gateway-env': { type: 'string', multiple: true },
      seed: { type: 'string' },
      label: { type: 'string' },
      write: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help === true) return null;
  const replicas = (values.replicas ?? '1')
    .split(',')
    .map((part) => intOption('replicas', part.trim(), 1, 1, 4));
  const gatewayEnv: Record<string, string> = {};
  for (const pair of values['gateway-env'] ?? []) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(pair);
    if (match?.[1] === undefined)
      throw new RangeError(`--gateway-env wants KEY=VALUE, got ${JSON.stringify(pair)}`);
    gatewayEnv[match[1]] = match[2] ?? '';
  }
  return {
    // Upper bounds keep a typo from starting a run that takes the machine down with it.
    people: intOption('people', values.people, 150, 1, 2000),
    seconds: intOption('seconds', values.seconds, 30, 1, 600),
    replicas,
    thinkMs: intOption('think-ms', values['think-ms'], 1000, 0, 60_000),
    createEveryMs: intOption('create-every-ms', values['create-every-ms'], 2000, 0, 600_000),
    freshnessWindowMs: intOption('freshness-window-ms', values['freshness-window-ms'], 5000, 0, 600_000),
    gatewayEnv,
    seed: intOption('seed', values.seed, 1, 0, 2 ** 31 - 1),
    label: values.label ?? 'Latest run',
    write: values.write === true,
    argv,
  };
}

/** Only what a child needs from our environment: a REDIS_URL or cache setting in the shell must not leak in. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

async function startSimulators(options: Options): Promise<{ child: Child; ready: SimulatorsReady }> {
  const child = spawnChild('simulators', NODE, ['--import', 'tsx', 'tools/quota-bench/simulators.ts'], {
    cwd: REPO_ROOT,
    env: { ...baseEnv(), QUOTA_BENCH_CREATE_EVERY_MS: String(options.createEveryMs) },
    stdinPipe: true,
  });
  const ready = simulatorsReadySchema.parse(await readyLine(child));
  return { child, ready };
}

async function startRedis(): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const child = spawnChild(
    'redis',
    '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { env: baseEnv() },
  );
  const stdout = child.process.stdout;
  if (stdout === null) throw new Error('redis-server has no stdout');
  // Read every line (so the pipe never fills), resolve on the one that says it is ready.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server was not ready within 10 s')), 10_000);
    createInterface({ input: stdout }).on('line', (line) => {
      if (line.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.process.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${String(code)}) before it was ready`));
    });
  });
  return { child, url: `redis://127.0.0.1:${port}` };
}

async function startGateway(
  index: number,
  replicas: number,
  simulators: SimulatorsReady,
  redisUrl: string | null,
  options: Options,
): Promise<{ child: Child; origin: string }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...baseEnv(),
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    // Every simulated person comes from 127.0.0.1: a per-address limit would make them one client.
    CLIENT_RATE_LIMIT_PER_SECOND: '0',
    ALTUR_API_KEY: simulators.altur.apiKey,
    ALTUR_BASE_URL: simulators.altur.url,
    AURALYTIK_API_KEY: simulators.auralytik.apiKey,
    AURALYTIK_BASE_URL: simulators.auralytik.url,
    ...(redisUrl === null ? {} : { REDIS_URL: redisUrl, EXPECTED_REPLICAS: String(replicas) }),
    ...options.gatewayEnv,
  };
  // tsx rather than a build: no stale dist/ to measure by mistake, and the loader costs only start-up time.
  const child = spawnChild(`gateway-${index + 1}`, NODE, ['--import', 'tsx', 'src/main.ts'], {
    cwd: REPO_ROOT,
    env,
  });
  forwardOutput(child);
  const origin = `http://127.0.0.1:${port}`;
  await waitUntilServing(child, `${origin}/readyz`);
  return { child, origin };
}

async function post(url: string): Promise<void> {
  const response = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`POST ${url}: HTTP ${response.status}`);
}

interface GatewayScrape {
  lookups: Map<string, number> | null;
  cpuSeconds: number | null;
  /** Since the previous scrape: prom-client resets its event-loop histogram on each one. */
  eventLoop: { p99Ms: number; maxMs: number } | null;
}

async function scrapeGateway(origin: string): Promise<GatewayScrape> {
  const response = await fetch(`${origin}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${origin}/metrics: HTTP ${response.status}`);
  const single = (metric: string) => sumCounterBy(text, metric, 'none')?.get('') ?? null;
  const p99 = single('gateway_nodejs_eventloop_lag_p99_seconds');
  const max = single('gateway_nodejs_eventloop_lag_max_seconds');
  return {
    lookups: sumCounterBy(text, 'gateway_upstream_cache_lookups_total', 'result'),
    cpuSeconds: single('gateway_process_cpu_seconds_total'),
    eventLoop: p99 === null || max === null ? null : { p99Ms: p99 * 1000, maxMs: max * 1000 },
  };
}

/** Busy and total CPU time of all the machine's cores so far (ms): busy / total over a window is its load. */
function machineCpu(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const { user, nice, sys, idle, irq } = cpu.times;
    busy += user + nice + sys + irq;
    total += user + nice + sys + idle + irq;
  }
  return { busy, total };
}

/** One first page per filter per replica: JIT, pools and connections warm before the clock starts. */
async function warmUp(origins: readonly string[]): Promise<void> {
  for (const origin of origins) {
    for (const filter of FILTERS) {
      const response = await fetch(`${origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: PAGE_QUERY, variables: { first: PAGE_SIZE, after: null, filter } }),
        signal: AbortSignal.timeout(30_000),
      });
      const body = await response.text();
      if (!response.ok || body.includes('"errors"')) {
        throw new Error(
          `warm-up page from ${origin} failed (HTTP ${response.status}): ${body.slice(0, 300)}`,
        );
      }
    }
  }
}

async function runScenario(replicas: number, options: Options): Promise<ScenarioResult> {
  process.stderr.write(`\n== ${replicas} replica(s), ${options.people} people, ${options.seconds} s ==\n`);
  try {
    const simulators = await startSimulators(options);
    const redis = replicas > 1 ? await startRedis() : null;
    const gateways = await Promise.all(
      Array.from({ length: replicas }, (_, index) =>
        startGateway(index, replicas, simulators.ready, redis?.url ?? null, options),
      ),
    );
    const origins = gateways.map((gateway) => gateway.origin);
    await warmUp(origins);
    // Let the warm-up's Altur calls leave the simulator's 1 s window, so they cannot cause a 429 that
    // belongs to no measured page.
    await sleep(1500);
    const scrapesBefore = await Promise.all(origins.map(scrapeGateway));
    const cpuAtStart = machineCpu();
    const clockAtStart = performance.now();
    const loadAtStart = loadavg()[0] ?? 0;
    await post(`${simulators.ready.control}/start`);
    const people = await runPeople({
      origins,
      people: options.people,
      seconds: options.seconds,
      thinkMs: options.thinkMs,
      seed: options.seed,
    });
    await post(`${simulators.ready.control}/stop`);
    const statsResponse = await fetch(`${simulators.ready.control}/stats`, {
      signal: AbortSignal.timeout(10_000),
    });
    const stats = simulatorStatsSchema.parse(await statsResponse.json());
    const scrapesAfter = await Promise.all(origins.map(scrapeGateway));
    const cpuAtEnd = machineCpu();
    const windowSeconds = (performance.now() - clockAtStart) / 1000;
    const loadAtEnd = loadavg()[0] ?? 0;

    const elapsedSeconds = Math.max(0.001, (stats.at - (stats.startedAt ?? stats.at)) / 1000);
    const upstreamOf = (provider: ProviderName): UpstreamFigures => {
      const figures = stats.providers[provider];
      return {
        requests: figures.requests,
        callsPerSecond: figures.requests / elapsedSeconds,
        status429: figures.byStatus['429'] ?? 0,
        maxInAnySecond: figures.maxInAnySecond,
      };
    };
    const upstream = { ALTUR: upstreamOf('ALTUR'), AURALYTIK: upstreamOf('AURALYTIK') };
    const errorCodes: Record<string, number> = {};
    let okPages = 0;
    for (const sample of people.samples) {
      if (sample.errorCodes.length === 0) okPages += 1;
      for (const code of new Set(sample.errorCodes)) errorCodes[code] = (errorCodes[code] ?? 0) + 1;
    }
    const latencies = people.samples.map((sample) => sample.latencyMs);
    const lookups = addCounts(
      scrapesAfter.map((after, index) => diffCounts(scrapesBefore[index]?.lookups ?? null, after.lookups)),
    );
    const gatewayCores = scrapesAfter.map((after, index) => {
      const before = scrapesBefore[index]?.cpuSeconds ?? null;
      return after.cpuSeconds === null || before === null
        ? null
        : (after.cpuSeconds - before) / windowSeconds;
    });
    const cpuTotal = cpuAtEnd.total - cpuAtStart.total;
    const contention: Contention | undefined =
      cpuTotal > 0 && gatewayCores.every((cores) => cores !== null)
        ? {
            machineBusy: (cpuAtEnd.busy - cpuAtStart.busy) / cpuTotal,
            gatewayCores: gatewayCores.filter((cores) => cores !== null),
            eventLoop: scrapesAfter.map((after) => after.eventLoop),
          }
        : undefined;
    return {
      people: options.people,
      replicas,
      seconds: options.seconds,
      pages: people.samples.length,
      pagesPerSecond: people.samples.length / options.seconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      okPages,
      errorCodes,
      upstream,
      cacheLookups: lookups === null ? null : Object.fromEntries(lookups),
      freshness: summariseFreshness(
        stats.created,
        people.firstSeen,
        people.endedAt,
        options.freshnessWindowMs,
      ),
      loadAverage: [loadAtStart, loadAtEnd],
      ...(contention === undefined ? {} : { contention }),
      slowPages: slowPagesBySecond(people.samples, TARGETS.p99Ms),
    };
  } finally {
    await stopAll();
  }
}

function section(options: Options, results: readonly ScenarioResult[]): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const args = options.argv.filter((arg) => arg !== '--write');
  // Quoted as a shell would need, so the line can be pasted back.
  const quoted = args.map((arg) => (/^[\w.,=:/-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`));
  const command = `npm run bench:quota${quoted.length === 0 ? '' : ` -- ${quoted.join(' ')}`}`;
  return [
    `### ${options.label}`,
    '',
    `\`${command}\`, ${new Date().toISOString().slice(0, 10)}, ${availableParallelism()} cores (${cpu}), Node ${process.version}. ` +
      `Think time ${formatMs(options.thinkMs)} ±25 %, a campaign created at each provider every ${formatMs(options.createEveryMs)}.`,
    '',
    resultsTable(results),
    '',
    ...results.map(resultDetails),
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options === null) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  stopChildrenOnExit();
  const results: ScenarioResult[] = [];
  for (const replicas of options.replicas) results.push(await runScenario(replicas, options));

  const single = results.find((result) => result.replicas === 1);
  process.stdout.write(`\n${section(options, results)}\n\n`);
  for (const result of results) {
    process.stdout.write(`Targets, ${result.replicas} replica(s):\n`);
    for (const check of checkTargets(result, single)) {
      process.stdout.write(
        `  ${check.verdict.padEnd(6)} ${check.name}: ${check.value} (target ${check.target})\n`,
      );
    }
  }
  if (options.write) {
    writeFileSync(
      BENCHMARKS_PATH,
      replaceBetweenMarkers(readFileSync(BENCHMARKS_PATH, 'utf8'), section(options, results)),
    );
    process.stderr.write(`wrote ${BENCHMARKS_PATH}\n`);
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
