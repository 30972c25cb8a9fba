import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { type Child, forwardStdout, freePort, readyLine, spawnChild, waitUntilServing } from './children.js';

// The processes a run starts, each on 127.0.0.1: the simulators, the two anchors and the gateway. The bench's
// own servers are compiled to plain JavaScript first (tsconfig.servers.json): run through tsx they would
// carry its loader thread, about 30 MiB of RSS and some CPU, which the gateway (`node dist/main.js`) does not.

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = process.execPath;
const COMPILED = join(ROOT, 'node_modules/.cache/campaign-gateway-bench/tools/bench');

/** The gateway's own ceilings (src/config.ts): the highest it accepts, so its limits are not what we measure. */
export const PROVIDER_RATE_LIMIT_PER_SECOND = 10_000;
export const PROVIDER_MAX_CONCURRENCY = 256;
/** GATEWAY_API_KEYS wants at least 16 characters a key. */
export const CLIENT_KEY = 'bench-client-key-not-a-secret';

function run(what: string, command: string, args: readonly string[]): void {
  process.stderr.write(`bench: ${what}\n`);
  // Their output goes to stderr so that stdout carries only the table.
  const result = spawnSync(command, args, { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (result.status !== 0) throw new Error(`${what} failed (exit ${String(result.status)})`);
}

export function buildGateway(): void {
  run('npm run build', 'npm', ['run', 'build']);
}

export function compileServers(): void {
  run('compile the bench servers', NODE, [
    join(ROOT, 'node_modules/typescript/bin/tsc'),
    '-p',
    join(ROOT, 'tools/bench/tsconfig.servers.json'),
  ]);
}

const upstream = z.object({ url: z.string(), apiKey: z.string() });
const simulatorsInfo = z.object({
  instants: z.array(z.string()).min(1),
  altur: upstream,
  auralytik: upstream,
  statsUrl: z.string(),
});
export type SimulatorsInfo = z.infer<typeof simulatorsInfo>;

const tally = z.object({ list: z.number(), detail: z.number(), other: z.number(), non2xx: z.number() });
const simulatorStats = z.object({ altur: tally, auralytik: tally });
export type SimulatorStats = z.infer<typeof simulatorStats>;

export interface Simulators {
  child: Child;
  info: SimulatorsInfo;
  readStats(): Promise<SimulatorStats>;
  resetStats(): Promise<void>;
}

export async function startSimulators(): Promise<Simulators> {
  const child = spawnChild('simulators', NODE, [join(COMPILED, 'servers/simulators.js')]);
  const info = simulatorsInfo.parse(await readyLine(child));
  return {
    child,
    info,
    async readStats() {
      const response = await fetch(info.statsUrl);
      return simulatorStats.parse(await response.json());
    },
    async resetStats() {
      const response = await fetch(`${info.statsUrl}/reset`, { method: 'POST' });
      await response.arrayBuffer();
    },
  };
}

/** A server a row measures: its URL, and the memory probe preloaded into it. */
export interface Server {
  child: Child;
  url: string;
  probeUrl: string;
}

interface ProbeSetup {
  args: string[];
  env: NodeJS.ProcessEnv;
  url: string;
}

async function probe(directory: string | undefined): Promise<ProbeSetup> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { BENCH_PROBE_PORT: String(port) };
  if (directory !== undefined) env.BENCH_PROBE_DIR = directory;
  return {
    args: ['--import', pathToFileURL(join(COMPILED, 'probe.js')).href],
    env,
    url: `http://127.0.0.1:${port}`,
  };
}

export type AnchorKind = 'floor' | 'yogaJit';

export interface AnchorOptions {
  nodeArgs?: readonly string[];
  /** False: the caller reads the anchor's stdout after its ready line itself (a GC trace). */
  forwardStdout?: boolean;
}

export async function startAnchor(
  kind: AnchorKind,
  simulators: SimulatorsInfo,
  options: AnchorOptions = {},
): Promise<Server> {
  const setup = await probe(undefined);
  const upstreams = JSON.stringify({ altur: simulators.altur, auralytik: simulators.auralytik });
  const args = [...(options.nodeArgs ?? []), ...setup.args, join(COMPILED, `servers/${kind}.js`), upstreams];
  const child = spawnChild(kind, NODE, args, { ...process.env, ...setup.env });
  const ready = await readyLine(child, undefined, options.forwardStdout !== false);
  const { url } = z.object({ url: z.string() }).parse(ready);
  return { child, url, probeUrl: setup.url };
}

export interface GatewayOptions {
  responseCacheTtlMs: number;
  /** False turns the shared upstream cache off (UPSTREAM_CACHE_MAX_BYTES=0); on at its default otherwise. */
  upstreamCache?: boolean;
  nodeArgs: readonly string[];
  /** Another build's main.js; dist/main.js by default. */
  entry: string | null;
  /** Where the probe writes heap snapshots. */
  snapshotDirectory?: string;
  /** False: the caller reads the gateway's stdout itself (a GC trace) instead of it going to stderr. */
  forwardStdout?: boolean;
}

export async function startGateway(simulators: SimulatorsInfo, options: GatewayOptions): Promise<Server> {
  const port = await freePort();
  const setup = await probe(options.snapshotDirectory);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...setup.env,
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
  if (options.responseCacheTtlMs > 0) env.RESPONSE_CACHE_TTL_MS = String(options.responseCacheTtlMs);
  else delete env.RESPONSE_CACHE_TTL_MS;
  if (options.upstreamCache === false) env.UPSTREAM_CACHE_MAX_BYTES = '0';
  else delete env.UPSTREAM_CACHE_MAX_BYTES;
  const entry = resolve(ROOT, options.entry ?? 'dist/main.js');
  const child = spawnChild('gateway', NODE, [...options.nodeArgs, ...setup.args, entry], env);
  // pino logs to stdout; ours is for the table.
  if (options.forwardStdout !== false) forwardStdout(child);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilServing(child, `${url}/healthz`);
  return { child, url, probeUrl: setup.url };
}
