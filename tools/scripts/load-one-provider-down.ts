import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { request } from 'undici';
import { loadConfig } from '../../src/config.js';
import { createGateway } from '../../src/gateway.js';
import { startSimulators } from '../simulators/index.js';

// A bounded loopback load run with Auralytik down for its whole length: how fast does the gateway keep
// answering with Altur's data, and what does the breaker do? Prints one JSON line of figures.
// Usage: npx tsx tools/scripts/load-one-provider-down.ts [seconds=5] [concurrency=10]

const seconds = Number(process.argv[2] ?? 5);
const concurrency = Number(process.argv[3] ?? 10);

const simulators = await startSimulators({
  altur: { count: 200, rateLimit: false },
  auralytik: { count: 200 },
});
simulators.auralytik.faults.add({ status: 503 });
const breakerEvents: string[] = [];
// The gateway as the process runs it, with what would hide the measured path switched off: quotas raised
// out of the way, no client rate limit, no upstream cache (answers would stop reaching Auralytik), no polling.
const config = loadConfig({
  NODE_ENV: 'development',
  LOG_LEVEL: 'silent',
  ALTUR_API_KEY: simulators.altur.apiKey,
  ALTUR_BASE_URL: simulators.altur.url,
  ALTUR_RATE_LIMIT_PER_SECOND: '10000',
  ALTUR_MAX_CONCURRENCY: '32',
  AURALYTIK_API_KEY: simulators.auralytik.apiKey,
  AURALYTIK_BASE_URL: simulators.auralytik.url,
  AURALYTIK_RATE_LIMIT_PER_SECOND: '10000',
  AURALYTIK_MAX_CONCURRENCY: '32',
  AURALYTIK_POLL_INTERVAL_MS: '0',
  UPSTREAM_TIMEOUT_MS: '2000',
  REQUEST_DEADLINE_MS: '5000',
  CLIENT_RATE_LIMIT_PER_SECOND: '0',
  UPSTREAM_CACHE_MAX_BYTES: '0',
});
const gateway = await createGateway(config, pino({ level: config.logLevel }), {
  onBreakerChange: (provider, state) => breakerEvents.push(`${provider} ${state}`),
});
const server = createServer(gateway.app);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
const body = JSON.stringify({
  query: '{ campaigns(first: 25) { totalCount edges { node { id name createdAt } } } }',
});

const latencies: number[] = [];
let withAlturData = 0;
let withAuralytikError = 0;
const until = performance.now() + seconds * 1000;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < until) {
      const started = performance.now();
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const result = (await response.body.json()) as {
        data?: { campaigns: { edges: unknown[] } };
        errors?: { extensions?: { provider?: string } }[];
      };
      latencies.push(performance.now() - started);
      if ((result.data?.campaigns.edges.length ?? 0) === 25) withAlturData++;
      if (result.errors?.some((error) => error.extensions?.provider === 'AURALYTIK')) withAuralytikError++;
    }
  }),
);
latencies.sort((a, b) => a - b);
const at = (q: number) =>
  Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(2));
process.stdout.write(
  `${JSON.stringify({
    seconds,
    concurrency,
    requests: latencies.length,
    requestsPerSecond: Math.round(latencies.length / seconds),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: at(1),
    fullPagesOfAlturData: withAlturData,
    responsesNamingAuralytik: withAuralytikError,
    auralytikAttempts: simulators.auralytik.requests.count(),
    breakerEvents,
  })}\n`,
);
server.close();
server.closeAllConnections();
await gateway.close();
await simulators.close();
