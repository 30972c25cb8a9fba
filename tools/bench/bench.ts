import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  type Child,
  forwardStdout,
  freePort,
  killAllNow,
  readyLine,
  spawnChild,
  stopAll,
  waitUntilServing,
} from './children.js';
import { type HttpRequestSpec, type LoadResult, runLoad } from './load.js';
import { cpuMicros, describeMachine, machineBusyMicros, peakRssMiB, resetPeakRss } from './proc.js';
import { renderHotspots, summariseProfile } from './profile.js';
import { type Report, type Row, renderSection, type Served, writeSection } from './report.js';

// `npm run bench [-- --duration 8 --warmup 2 --connections 10 --only a,c,d --no-write --skip-build --profile
//   --gateway-node-args "--max-semi-space-size=64" --gateway-entry other/dist/main.js]`
// Builds the gateway, starts the simulators, a pass-through proxy and the gateway as separate processes on
// loopback, drives each scenario with autocannon from this process, prints one markdown table and writes it
// into BENCHMARKS.md. `--profile` instead runs scenario (d) against a gateway under `node --cpu-prof` and
// prints its hot spots. See BENCHMARKS.md for what each row means.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = process.execPath;
const BENCHMARKS_FILE = join(ROOT, 'BENCHMARKS.md');

/** The gateway's own ceilings (src/config.ts): the highest it accepts, so its limits are not what we measure. */
const PROVIDER_RATE_LIMIT_PER_SECOND = 10_000;
const PROVIDER_MAX_CONCURRENCY = 256;
/** GATEWAY_API_KEYS wants at least 16 characters a key. */
const CLIENT_KEY = 'bench-client-key-not-a-secret';
const CACHE_TTL_MS = 5000;
/** CPU used by processes outside the bench during a row above which the row is flagged as disturbed. */
const DISTURBED_CORES = 0.1;
const PAGE = 100;
const LOOKUPS = 50;

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: process.env.BENCH_DURATION ?? '8' },
    warmup: { type: 'string', default: process.env.BENCH_WARMUP ?? '2' },
    connections: { type: 'string', default: process.env.BENCH_CONNECTIONS ?? '10' },
    'no-write': { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    only: { type: 'string' },
    'gateway-node-args': { type: 'string' },
    'gateway-entry': { type: 'string' },
  },
  strict: true,
});

function positive(name: string, raw: string, integer: boolean): number {
  const value = Number(raw);
  if (!(value > 0) || (integer && !Number.isInteger(value))) {
    throw new RangeError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${raw}`);
  }
  return value;
}
const DURATION_S = positive('duration', flags.duration, false);
const WARMUP_S = positive('warmup', flags.warmup, false);
const CONNECTIONS = positive('connections', flags.connections, true);
/** Another build of the gateway to compare with this one (`--gateway-entry path/to/main.js --skip-build`). */
const GATEWAY_ENTRY = resolve(ROOT, flags['gateway-entry'] ?? 'dist/main.js');

// ---- child processes ----------------------------------------------------------------------------------

const simulatorsInfo = z.object({
  altur: z.object({ url: z.string(), apiKey: z.string() }),
  auralytik: z.object({ url: z.string(), apiKey: z.string() }),
  statsUrl: z.string(),
});
type SimulatorsInfo = z.infer<typeof simulatorsInfo>;

const tally = z.object({ list: z.number(), detail: z.number(), other: z.number(), non2xx: z.number() });
const simulatorStats = z.object({ altur: tally, auralytik: tally });
type SimulatorStats = z.infer<typeof simulatorStats>;

function build(): void {
  process.stderr.write('bench: npm run build\n');
  // The build's own output goes to stderr so that stdout carries only the table.
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (result.status !== 0) throw new Error(`npm run build failed (exit ${String(result.status)})`);
}

async function startSimulators(): Promise<{ child: Child; info: SimulatorsInfo }> {
  const child = spawnChild('simulators', NODE, [
    '--import',
    'tsx',
    join(ROOT, 'tools/bench/servers/simulators.ts'),
  ]);
  return { child, info: simulatorsInfo.parse(await readyLine(child)) };
}

async function startProxy(target: string): Promise<{ child: Child; url: string }> {
  const child = spawnChild('proxy', NODE, [
    '--import',
    'tsx',
    join(ROOT, 'tools/bench/servers/proxy.ts'),
    new URL(target).origin,
  ]);
  return { child, url: z.object({ url: z.string() }).parse(await readyLine(child)).url };
}

interface Gateway {
  child: Child;
  url: string;
}

async function startGateway(
  simulators: SimulatorsInfo,
  responseCacheTtlMs: number,
  nodeArgs: readonly string[] = [],
): Promise<Gateway> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    ALTUR_API_KEY: simulators.altur.apiKey,
    ALTUR_BASE_URL: simulators.altur.url,
    AURALYTIK_API_KEY: simulators.auralytik.apiKey,
    AURALYTIK_BASE_URL: simulators.auralytik.url,
    ALTUR_RATE_LIMIT_PER_SECOND: String(PROVIDER_RATE_LIMIT_PER_SECOND),
    AURALYTIK_RATE_LIMIT_PER_SECOND: String(PROVIDER_RATE_LIMIT_PER_SECOND),
    ALTUR_MAX_CONCURRENCY: String(PROVIDER_MAX_CONCURRENCY),
    AURALYTIK_MAX_CONCURRENCY: String(PROVIDER_MAX_CONCURRENCY),
    GATEWAY_API_KEYS: CLIENT_KEY,
    CLIENT_RATE_LIMIT_PER_SECOND: '0',
  };
  // Unset rather than 0 for "off", whichever way the gateway reads 0.
  if (responseCacheTtlMs > 0) env.RESPONSE_CACHE_TTL_MS = String(responseCacheTtlMs);
  else delete env.RESPONSE_CACHE_TTL_MS;
  const child = spawnChild('gateway', NODE, [...nodeArgs, GATEWAY_ENTRY], env);
  // pino logs to stdout; ours is for the table.
  forwardStdout(child);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilServing(child, `${url}/healthz`);
  return { child, url };
}

async function readStats(statsUrl: string): Promise<SimulatorStats> {
  const response = await fetch(statsUrl);
  return simulatorStats.parse(await response.json());
}

async function resetStats(statsUrl: string): Promise<void> {
  const response = await fetch(`${statsUrl}/reset`, { method: 'POST' });
  await response.arrayBuffer();
}

// ---- scenarios ----------------------------------------------------------------------------------------

const CAMPAIGN_FIELDS = 'id name status channel createdAt';

function campaignsQuery(filter: string): string {
  return `query Bench { campaigns(first: ${PAGE}${filter}) { edges { node { ${CAMPAIGN_FIELDS} } } pageInfo { hasNextPage endCursor } } }`;
}

const NODES_QUERY = `query Bench($ids: [ID!]!) { nodes(ids: $ids) { id ... on Campaign { ${CAMPAIGN_FIELDS} } } }`;

function graphqlRequest(
  gateway: Gateway,
  query: string,
  variables?: Record<string, unknown>,
): HttpRequestSpec {
  return {
    method: 'POST',
    url: `${gateway.url}/graphql`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
    body: JSON.stringify(variables === undefined ? { query } : { query, variables }),
  };
}

function alturListRequest(base: string, apiKey: string): HttpRequestSpec {
  return {
    method: 'GET',
    url: `${base}/campaigns?pageSize=${PAGE}`,
    headers: { authorization: `api-key ${apiKey}` },
  };
}

async function send(request: HttpRequestSpec): Promise<{ status: number; json: unknown }> {
  const init: RequestInit = { method: request.method, headers: request.headers };
  if (request.body !== undefined) init.body = request.body;
  const response = await fetch(request.url, init);
  const text = await response.text();
  try {
    return { status: response.status, json: JSON.parse(text) };
  } catch {
    return { status: response.status, json: text.slice(0, 200) };
  }
}

const graphqlErrors = z.object({ errors: z.array(z.object({ message: z.string() })).optional() });
const campaignsData = z.object({
  data: z.object({
    campaigns: z.object({ edges: z.array(z.object({ node: z.object({ id: z.string() }) })) }),
  }),
});
const nodesData = z.object({ data: z.object({ nodes: z.array(z.object({ id: z.string() }).nullable()) }) });
const alturPage = z.object({ campaigns: z.array(z.unknown()) });

/** The type name inside a global id (base64url of `Type:providerId`). */
function typeOfGlobalId(id: string): string {
  return Buffer.from(id, 'base64url').toString('utf8').split(':')[0] ?? '';
}

type Check = () => Promise<string | null>;

function checkAlturPage(request: HttpRequestSpec): Check {
  return async () => {
    const { status, json } = await send(request);
    if (status !== 200) return `HTTP ${status}: ${JSON.stringify(json).slice(0, 200)}`;
    const page = alturPage.safeParse(json);
    if (!page.success) return 'not an Altur list page';
    return page.data.campaigns.length === PAGE
      ? null
      : `${page.data.campaigns.length} campaigns, not ${PAGE}`;
  };
}

function graphqlProblem(status: number, json: unknown): string | null {
  const errors = graphqlErrors.safeParse(json);
  if (errors.success && errors.data.errors !== undefined && errors.data.errors.length > 0) {
    return `errors: ${errors.data.errors.map((error) => error.message).join('; ')}`.slice(0, 300);
  }
  if (status !== 200) return `HTTP ${status}: ${JSON.stringify(json).slice(0, 200)}`;
  return null;
}

function checkCampaigns(request: HttpRequestSpec, types: readonly string[]): Check {
  return async () => {
    const { status, json } = await send(request);
    const problem = graphqlProblem(status, json);
    if (problem !== null) return problem;
    const parsed = campaignsData.safeParse(json);
    if (!parsed.success) return 'no campaigns connection in the answer';
    const { edges } = parsed.data.data.campaigns;
    if (edges.length !== PAGE) return `${edges.length} edges, not ${PAGE}`;
    const seen = new Set(edges.map((edge) => typeOfGlobalId(edge.node.id)));
    const missing = types.filter((type) => !seen.has(type));
    const extra = [...seen].filter((type) => !types.includes(type));
    if (missing.length > 0) return `no ${missing.join(', ')} in the page`;
    return extra.length > 0 ? `unexpected ${extra.join(', ')} in the page` : null;
  };
}

function checkNodes(request: HttpRequestSpec): Check {
  return async () => {
    const { status, json } = await send(request);
    const problem = graphqlProblem(status, json);
    if (problem !== null) return problem;
    const parsed = nodesData.safeParse(json);
    if (!parsed.success) return 'no nodes list in the answer';
    const found = parsed.data.data.nodes.filter((node) => node !== null).length;
    return found === LOOKUPS ? null : `${found} of ${LOOKUPS} nodes found`;
  };
}

/** Real global ids, half from each provider, so lookups exercise both. */
async function lookupIds(gateway: Gateway): Promise<string[]> {
  const ids: string[] = [];
  for (const provider of ['ALTUR', 'AURALYTIK']) {
    const query = `{ campaigns(first: ${LOOKUPS / 2}, filter: { providers: [${provider}] }) { edges { node { id } } } }`;
    const { status, json } = await send(graphqlRequest(gateway, query));
    const parsed = campaignsData.safeParse(json);
    if (!parsed.success) {
      throw new Error(
        `could not list ${provider} ids: ${graphqlProblem(status, json) ?? 'unexpected answer'}`,
      );
    }
    ids.push(...parsed.data.data.campaigns.edges.map((edge) => edge.node.id));
  }
  return ids;
}

interface Scenario {
  id: string;
  label: string;
  served: Served;
  /** The process whose CPU the row reports. */
  servedPid: number;
  gatewayPid?: number;
  connections: number;
  request: HttpRequestSpec;
  check: Check;
}

/**
 * Between rows the bench's processes are idle, so whatever keeps the machine busy then is someone else's
 * (a test run, a build). Waiting a little for it to pass beats measuring against it; after `maxMs` the row
 * runs anyway and its "other load" column says so.
 */
async function waitForQuietMachine(maxMs = 10_000): Promise<void> {
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

const QUIET_WINDOW_MS = 500;

interface Measurement {
  row: Row;
  /** Provider calls per second during the run, to see whether the gateway's own throttle could bind. */
  upstreamPerSecond?: { altur: number; auralytik: number };
  peakRssWasReset?: boolean;
}

async function measure(
  scenario: Scenario,
  simulators: { pid: number; statsUrl: string },
): Promise<Measurement> {
  const row: Row = {
    id: scenario.id,
    label: scenario.label,
    served: scenario.served,
    connections: scenario.connections,
  };
  process.stderr.write(`bench: (${scenario.id}) ${scenario.label}, ${scenario.connections} connection(s)\n`);
  const problem = await scenario.check().catch((error: unknown) => String(error));
  if (problem !== null) {
    row.failure = `correctness check failed: ${problem}`;
    process.stderr.write(`bench: (${scenario.id}) ${row.failure}\n`);
    return { row };
  }
  await waitForQuietMachine();
  await runLoad(scenario.request, scenario.connections, WARMUP_S);

  await resetStats(simulators.statsUrl);
  const { gatewayPid } = scenario;
  const peakRssWasReset = gatewayPid === undefined ? undefined : resetPeakRss(gatewayPid);
  const ours = () =>
    cpuMicros(process.pid) +
    cpuMicros(simulators.pid) +
    (scenario.servedPid === simulators.pid ? 0 : cpuMicros(scenario.servedPid));
  const machineBefore = machineBusyMicros();
  const oursBefore = ours();
  const serverBefore = cpuMicros(scenario.servedPid);
  const simulatorBefore = cpuMicros(simulators.pid);
  const load: LoadResult = await runLoad(scenario.request, scenario.connections, DURATION_S);
  const serverMicros = cpuMicros(scenario.servedPid) - serverBefore;
  const simulatorMicros = cpuMicros(simulators.pid) - simulatorBefore;
  const foreignMicros = machineBusyMicros() - machineBefore - (ours() - oursBefore);
  const stats = await readStats(simulators.statsUrl);

  const perRequest = (value: number) => (load.responses === 0 ? Number.NaN : value / load.responses);
  const calls = (t: SimulatorStats['altur']) => t.list + t.detail + t.other;
  row.load = load;
  row.otherCores = Math.max(0, foreignMicros / (load.seconds * 1_000_000));
  row.serverCpuMicros = perRequest(serverMicros);
  row.simulatorCpuMicros = perRequest(simulatorMicros);
  if (gatewayPid !== undefined) row.gatewayPeakRssMiB = peakRssMiB(gatewayPid);
  row.upstream = {
    altur: perRequest(calls(stats.altur)),
    auralytik: perRequest(calls(stats.auralytik)),
    non2xx: stats.altur.non2xx + stats.auralytik.non2xx,
  };
  const measurement: Measurement = {
    row,
    upstreamPerSecond: {
      altur: calls(stats.altur) / load.seconds,
      auralytik: calls(stats.auralytik) / load.seconds,
    },
  };
  if (peakRssWasReset !== undefined) measurement.peakRssWasReset = peakRssWasReset;
  return measurement;
}

function gatewayScenarios(
  gateway: Gateway,
  ids: readonly string[],
  prefix: string,
): Omit<Scenario, 'connections'>[] {
  const pid = gateway.child.pid;
  const single = graphqlRequest(gateway, campaignsQuery(', filter: { providers: [ALTUR] }'));
  const merged = graphqlRequest(gateway, campaignsQuery(''));
  const nodes = graphqlRequest(gateway, NODES_QUERY, { ids });
  const cached = prefix === '' ? '' : ', response cache on';
  return [
    {
      id: `${prefix}c`,
      label: `gateway: campaigns(first: ${PAGE}), Altur only${cached}`,
      served: 'gateway',
      servedPid: pid,
      gatewayPid: pid,
      request: single,
      check: checkCampaigns(single, ['AlturCampaign']),
    },
    {
      id: `${prefix}d`,
      label: `gateway: campaigns(first: ${PAGE}), both providers merged${cached}`,
      served: 'gateway',
      servedPid: pid,
      gatewayPid: pid,
      request: merged,
      check: checkCampaigns(merged, ['AlturCampaign', 'AuralytikCampaign']),
    },
    {
      id: `${prefix}e`,
      label: `gateway: nodes(ids: ${LOOKUPS} ids), ${LOOKUPS / 2} per provider${cached}`,
      served: 'gateway',
      servedPid: pid,
      gatewayPid: pid,
      request: nodes,
      check: checkNodes(nodes),
    },
  ];
}

function sameRowAt(scenario: Omit<Scenario, 'connections'>, connections: number, suffix = ''): Scenario {
  return { ...scenario, id: `${scenario.id}${suffix}`, connections };
}

// ---- the two modes ------------------------------------------------------------------------------------

const ALL_ROWS = ['a', 'b', 'c', 'd', 'e', 'f-c', 'f-d', 'f-e', 'a@1', 'c@1', 'd@1'] as const;

/** The rows asked for with `--only` (all by default), so one can rerun a row without the rest. */
function selectedRows(): ReadonlySet<string> {
  if (flags.only === undefined) return new Set(ALL_ROWS);
  const wanted = flags.only.split(',').map((id) => id.trim());
  const unknown = wanted.filter((id) => !(ALL_ROWS as readonly string[]).includes(id));
  if (unknown.length > 0)
    throw new RangeError(`--only: unknown rows ${unknown.join(', ')} (rows: ${ALL_ROWS.join(', ')})`);
  return new Set(wanted);
}

async function benchmark(): Promise<void> {
  const startedAt = new Date();
  const rows = selectedRows();
  if (!flags['skip-build']) build();
  const simulators = await startSimulators();
  const sims = { pid: simulators.child.pid, statsUrl: simulators.info.statsUrl };
  const measurements: Measurement[] = [];
  const run = async (scenario: Omit<Scenario, 'connections'>, connections: number, suffix = '') => {
    const row = sameRowAt(scenario, connections, suffix);
    if (rows.has(row.id)) measurements.push(await measure(row, sims));
  };

  const direct = alturListRequest(simulators.info.altur.url, simulators.info.altur.apiKey);
  const directScenario: Omit<Scenario, 'connections'> = {
    id: 'a',
    label: `direct GET of ${PAGE} campaigns from the Altur simulator`,
    served: 'simulator',
    servedPid: simulators.child.pid,
    request: direct,
    check: checkAlturPage(direct),
  };
  await run(directScenario, CONNECTIONS);
  await run(directScenario, 1, '@1');

  if (rows.has('b')) {
    const proxy = await startProxy(simulators.info.altur.url);
    const viaProxy = alturListRequest(
      proxy.url + new URL(simulators.info.altur.url).pathname,
      simulators.info.altur.apiKey,
    );
    await run(
      {
        id: 'b',
        label: 'the same GET through a pass-through proxy',
        served: 'proxy',
        servedPid: proxy.child.pid,
        request: viaProxy,
        check: checkAlturPage(viaProxy),
      },
      CONNECTIONS,
    );
    await proxy.child.stop();
  }

  if (['c', 'd', 'e', 'c@1', 'd@1'].some((id) => rows.has(id))) {
    const uncached = await startGateway(simulators.info, 0, gatewayNodeArgs());
    const ids = await lookupIds(uncached);
    const [single, merged, nodes] = gatewayScenarios(uncached, ids, '');
    for (const scenario of [single, merged, nodes])
      if (scenario !== undefined) await run(scenario, CONNECTIONS);
    for (const scenario of [single, merged]) if (scenario !== undefined) await run(scenario, 1, '@1');
    await uncached.child.stop();
  }

  if (['f-c', 'f-d', 'f-e'].some((id) => rows.has(id))) {
    const cached = await startGateway(simulators.info, CACHE_TTL_MS, gatewayNodeArgs());
    const ids = await lookupIds(cached);
    for (const scenario of gatewayScenarios(cached, ids, 'f-')) await run(scenario, CONNECTIONS);
    await cached.child.stop();
  }
  await simulators.child.stop();

  const order = new Map<string, number>(ALL_ROWS.map((id, index) => [id, index]));
  measurements.sort((x, y) => (order.get(x.row.id) ?? 0) - (order.get(y.row.id) ?? 0));
  const report = buildReport(measurements, startedAt);
  const section = renderSection(report);
  process.stdout.write(`${section}\n`);
  if (!flags['no-write']) {
    writeSection(BENCHMARKS_FILE, section);
    process.stderr.write(`bench: wrote ${BENCHMARKS_FILE}\n`);
  }
}

/** Extra `node` flags for the gateway (`--gateway-node-args "--max-semi-space-size=64"`), for experiments. */
function gatewayNodeArgs(): string[] {
  return (flags['gateway-node-args'] ?? '').split(/\s+/).filter((arg) => arg !== '');
}

function buildReport(measurements: readonly Measurement[], startedAt: Date): Report {
  const rows = measurements.map((measurement) => measurement.row);
  const byId = new Map(rows.map((row) => [row.id, row]));
  for (const row of rows) {
    const base = byId.get(row.id.endsWith('@1') ? 'a@1' : 'a');
    if (row.load !== undefined && base?.load !== undefined) {
      row.ratioToDirect = row.load.requestsPerSecond / base.load.requestsPerSecond;
    }
  }

  const notes: string[] = [];
  const p50 = (id: string) => byId.get(id)?.load?.p50Ms;
  const directP50 = p50('a@1');
  for (const id of ['c@1', 'd@1']) {
    const gatewayP50 = p50(id);
    if (directP50 !== undefined && gatewayP50 !== undefined) {
      notes.push(
        `Added p50 latency at one connection, (${id}) − (a@1): ${(gatewayP50 - directP50).toFixed(2)} ms ` +
          `(${gatewayP50.toFixed(2)} − ${directP50.toFixed(2)}).`,
      );
    }
  }
  const calls = (id: string) => {
    const upstream = byId.get(id)?.upstream;
    return upstream === undefined ? undefined : upstream.altur + upstream.auralytik;
  };
  const cacheRows = ['c', 'd', 'e'].map((id) => ({ id, plain: calls(id), cached: calls(`f-${id}`) }));
  const compared = cacheRows.filter((entry) => entry.plain !== undefined && entry.cached !== undefined);
  const active = compared.filter((entry) => (entry.cached ?? 0) < (entry.plain ?? 0) / 2);
  if (compared.length > 0) {
    notes.push(
      active.length === 0
        ? 'Response cache: NOT active in this build (rows f-* made as many upstream calls per request as c–e), so ' +
            `f-* measure the same work as c–e: RESPONSE_CACHE_TTL_MS=${CACHE_TTL_MS} was set but not honoured.`
        : `Response cache (RESPONSE_CACHE_TTL_MS=${CACHE_TTL_MS}) active in rows ${active.map((entry) => `f-${entry.id}`).join(', ')}: ` +
            'a hit makes no upstream call; the few calls left are the refreshes after each TTL.',
    );
  }
  const gatewayRows = measurements.filter((m) => m.row.served === 'gateway' && m.row.load !== undefined);
  const peakResets = gatewayRows.map((m) => m.peakRssWasReset);
  if (gatewayRows.length > 0) {
    notes.push(
      peakResets.every((value) => value === true)
        ? 'Gateway peak RSS is per row: VmHWM was reset (/proc/<pid>/clear_refs = 5) after each warm-up.'
        : 'Gateway peak RSS is VmHWM, cumulative over the gateway process (rows c–e share one process, f-* another).',
    );
    const allowedPerSecond = (PROVIDER_RATE_LIMIT_PER_SECOND * 1000) / 1050;
    const busiest = Math.max(
      ...gatewayRows.map((m) =>
        Math.max(m.upstreamPerSecond?.altur ?? 0, m.upstreamPerSecond?.auralytik ?? 0),
      ),
    );
    notes.push(
      `Busiest provider behind the gateway: ${Math.round(busiest)} calls/s, against the gateway's own throttle of ` +
        `${Math.round(allowedPerSecond)}/s per provider (${PROVIDER_RATE_LIMIT_PER_SECOND} per 1.05 s, the config maximum)` +
        (busiest > 0.8 * allowedPerSecond
          ? ': close enough that the throttle may have shaped that row.'
          : ': not the bottleneck.'),
    );
  }
  const upstreamFailures = rows.filter((row) => (row.upstream?.non2xx ?? 0) > 0);
  if (upstreamFailures.length > 0) {
    notes.push(
      `Simulators answered non-2xx in rows ${upstreamFailures.map((row) => `(${row.id}) ${row.upstream?.non2xx}`).join(', ')}.`,
    );
  }
  const disturbed = rows.filter((row) => (row.otherCores ?? 0) >= DISTURBED_CORES);
  if (disturbed.length > 0) {
    notes.push(
      `Other processes used ≥ ${DISTURBED_CORES} of a core during rows ${disturbed.map((row) => `(${row.id})`).join(', ')} ` +
        '(column "other load"): those rows competed for CPU with something outside the bench; rerun on an idle machine.',
    );
  }
  for (const row of rows) if (row.failure !== undefined) notes.push(`(${row.id}) ${row.failure}`);

  const args = process.argv.slice(2);
  return {
    machine: describeMachine(),
    date: startedAt.toISOString(),
    command: `npm run bench${args.length === 0 ? '' : ` -- ${args.join(' ')}`}`,
    settings: [
      `Each row: ${WARMUP_S} s warm-up (discarded), then ${DURATION_S} s measured; ${CONNECTIONS} connections ` +
        '(closed loop: a connection sends its next request when the answer arrives); rows @1 use one connection.',
      'Processes: simulators (300 + 300 campaigns, rate limits off, pages memoised), proxy, gateway ' +
        '(`node dist/main.js`) and autocannon (in the bench process) all share the machine above.',
      `Gateway env: NODE_ENV=production, LOG_LEVEL=warn, *_RATE_LIMIT_PER_SECOND=${PROVIDER_RATE_LIMIT_PER_SECOND}, ` +
        `*_MAX_CONCURRENCY=${PROVIDER_MAX_CONCURRENCY}, GATEWAY_API_KEYS=<one key>, CLIENT_RATE_LIMIT_PER_SECOND=0, ` +
        `RESPONSE_CACHE_TTL_MS unset (rows f-*: ${CACHE_TTL_MS})` +
        (gatewayNodeArgs().length === 0 ? '.' : `; node flags: ${gatewayNodeArgs().join(' ')}.`) +
        (flags['gateway-entry'] === undefined ? '' : ` Gateway entry: ${flags['gateway-entry']}.`),
      'CPU µs/req: user + system CPU of the process, from /proc/<pid>/stat, over the measured seconds, ' +
        'divided by the answers received.',
    ],
    rows,
    notes,
  };
}

async function profile(): Promise<void> {
  if (!flags['skip-build']) build();
  const simulators = await startSimulators();
  const directory = mkdtempSync(join(tmpdir(), 'gateway-cpu-prof-'));
  const gateway = await startGateway(simulators.info, 0, [
    ...gatewayNodeArgs(),
    '--cpu-prof',
    `--cpu-prof-dir=${directory}`,
  ]);
  const [, merged] = gatewayScenarios(gateway, [], '');
  if (merged === undefined) throw new Error('scenario (d) is missing');
  const problem = await merged.check();
  if (problem !== null) throw new Error(`(d) correctness check failed: ${problem}`);
  await runLoad(merged.request, CONNECTIONS, WARMUP_S);
  const load = await runLoad(merged.request, CONNECTIONS, DURATION_S);
  // The profile is written when the gateway exits, so it must exit cleanly (SIGTERM -> drain -> exit 0).
  await gateway.child.stop(20_000);
  await simulators.child.stop();
  const files = readdirSync(directory)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => join(directory, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  const file = files[0];
  if (file === undefined) throw new Error(`the gateway wrote no .cpuprofile into ${directory}`);
  const summary = summariseProfile(file, 25);
  process.stdout.write(
    [
      `(d) under --cpu-prof: ${Math.round(load.requestsPerSecond)} req/s, p50 ${load.p50Ms.toFixed(2)} ms, ` +
        `p99 ${load.p99Ms.toFixed(2)} ms, ${load.non2xx} non-2xx, ${load.errors} errors`,
      `profile: ${file} (open in Chrome DevTools > Performance, or speedscope)`,
      `busy ${Math.round(summary.busyMs)} ms, idle ${(summary.idleShare * 100).toFixed(1)}% of samples`,
      '',
      renderHotspots('Self time by package / file', summary.selfByArea),
      '',
      renderHotspots('Self time by function', summary.selfByFunction),
      '',
      renderHotspots('Total (inclusive) time of gateway functions', summary.totalByFunction),
      '',
    ].join('\n'),
  );
}

// ---- run ----------------------------------------------------------------------------------------------

process.on('exit', killAllNow);
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    process.stderr.write(`bench: ${signal}, stopping the child processes\n`);
    stopAll().finally(() => process.exit(130));
  });
}

try {
  await (flags.profile ? profile() : benchmark());
} catch (error) {
  // Once interrupted, the run fails because its children are gone; that failure is not news.
  if (!interrupted) {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  }
} finally {
  await stopAll();
}
