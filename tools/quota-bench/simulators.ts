import { createServer, type ServerResponse } from 'node:http';
import type { RequestLog } from '../simulators/index.js';
import { ALTUR_RATE_LIMIT, startSimulators } from '../simulators/index.js';
import type { CreatedCampaign, ProviderStats, SimulatorStats } from './protocol.js';

// The provider simulators for `npm run bench:quota`, in their own process so that their CPU does not
// share an event loop with the simulated people. Unlike `tools/scripts/simulators.ts` it creates campaigns
// while the bench runs and answers a small control API on loopback:
//   POST /start  forget earlier requests and creations, start creating campaigns at both providers' heads
//   POST /stop   stop creating
//   GET  /stats  requests each provider received since /start (by status) and every campaign created
// stdout carries exactly one JSON line (URLs, keys, control URL), like tools/scripts/simulators.ts.
//
// Environment (all optional):
//   ALTUR_SIM_PORT, AURALYTIK_SIM_PORT   ports of the simulators (default: any free port)
//   QUOTA_BENCH_ALTUR_COUNT              campaigns Altur starts with (default 180, as the demo)
//   QUOTA_BENCH_AURALYTIK_COUNT          campaigns Auralytik starts with (default 140, as the demo)
//   QUOTA_BENCH_CREATE_EVERY_MS          one new campaign per provider this often (default 2000; 0: none)

/** Creation stops by itself after this many per provider, in case the bench never sends /stop. */
const MAX_CREATIONS_PER_PROVIDER = 5000;

function intFromEnv(name: string, fallback: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer from 0 to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

const createEveryMs = intFromEnv('QUOTA_BENCH_CREATE_EVERY_MS', 2000, 600_000);
const simulators = await startSimulators({
  altur: {
    port: intFromEnv('ALTUR_SIM_PORT', 0, 65_535),
    count: intFromEnv('QUOTA_BENCH_ALTUR_COUNT', 180, 100_000),
    seed: 20_251_003,
    // Altur's documented limit, spelled out rather than left to the default: the point of this bench is
    // that the gateway must live within it, so a 429 here is a real finding.
    rateLimit: ALTUR_RATE_LIMIT,
  },
  // Auralytik publishes no limit, so its simulator enforces none (its default).
  auralytik: {
    port: intFromEnv('AURALYTIK_SIM_PORT', 0, 65_535),
    count: intFromEnv('QUOTA_BENCH_AURALYTIK_COUNT', 140, 100_000),
    seed: 20_240_110,
  },
});

let created: CreatedCampaign[] = [];
let startedAt: number | null = null;
let timers: NodeJS.Timeout[] = [];

function createAtAltur(): void {
  if (created.length >= 2 * MAX_CREATIONS_PER_PROVIDER) return;
  // Running and not archived, so that every filter the people use that includes Altur should show it.
  const record = simulators.altur.createCampaign({ status: 'active', archived: false });
  created.push({ provider: 'ALTUR', id: String(record.id), at: Date.now() });
}

function createAtAuralytik(): void {
  if (created.length >= 2 * MAX_CREATIONS_PER_PROVIDER) return;
  const record = simulators.auralytik.createCampaign({ status: 'Running' });
  created.push({ provider: 'AURALYTIK', id: record.id, at: Date.now() });
}

function stopCreating(): void {
  for (const timer of timers) {
    clearTimeout(timer);
    clearInterval(timer);
  }
  timers = [];
}

function start(): void {
  stopCreating();
  simulators.altur.requests.reset();
  simulators.auralytik.requests.reset();
  created = [];
  startedAt = Date.now();
  if (createEveryMs === 0) return;
  // The providers take turns, half a period apart, so the head of the merged list changes every
  // createEveryMs / 2 rather than twice at once.
  timers.push(setInterval(createAtAltur, createEveryMs));
  timers.push(
    setTimeout(() => {
      createAtAuralytik();
      timers.push(setInterval(createAtAuralytik, createEveryMs));
    }, createEveryMs / 2),
  );
}

function providerStats(log: RequestLog): ProviderStats {
  const byStatus: Record<string, number> = {};
  for (const request of log.all()) {
    const key = request.status === null ? 'none' : String(request.status);
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  }
  return { requests: log.count(), byStatus, maxInAnySecond: log.maxInWindow(1000) };
}

function stats(): SimulatorStats {
  return {
    at: Date.now(),
    startedAt,
    providers: {
      ALTUR: providerStats(simulators.altur.requests),
      AURALYTIK: providerStats(simulators.auralytik.requests),
    },
    created,
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const control = createServer((req, res) => {
  // The body, if any, is ignored; draining it keeps the keep-alive connection usable.
  req.resume();
  const route = `${req.method} ${req.url}`;
  if (route === 'POST /start') {
    start();
    json(res, 200, { startedAt });
  } else if (route === 'POST /stop') {
    stopCreating();
    json(res, 200, { stoppedAt: Date.now() });
  } else if (route === 'GET /stats') {
    json(res, 200, stats());
  } else {
    json(res, 404, { error: 'not found' });
  }
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
const address = control.address();
if (address === null || typeof address === 'string') throw new Error('the control server has no TCP port');
const controlPort = address.port;

process.stdout.write(
  `${JSON.stringify({
    altur: { url: simulators.altur.url, apiKey: simulators.altur.apiKey },
    auralytik: { url: simulators.auralytik.url, apiKey: simulators.auralytik.apiKey },
    control: `http://127.0.0.1:${controlPort}`,
  })}\n`,
);

let closing = false;
async function close(code: number): Promise<void> {
  if (closing) return;
  closing = true;
  stopCreating();
  control.closeAllConnections();
  await Promise.all([new Promise((resolve) => control.close(resolve)), simulators.close()]);
  process.exit(code);
}
process.on('SIGTERM', () => void close(0));
process.on('SIGINT', () => void close(0));
// The bench holds our stdin open; end of file means it is gone (even killed with SIGKILL), so we go too
// rather than linger as an orphan holding ports.
process.stdin.on('end', () => void close(0));
process.stdin.resume();
