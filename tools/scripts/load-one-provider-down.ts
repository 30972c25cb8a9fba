import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { request } from 'undici';
import { createApp } from '../../src/app.js';
import { createProviderClients } from '../../src/providers/registry.js';
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
const clients = createProviderClients(
  [
    {
      provider: 'ALTUR',
      apiKey: simulators.altur.apiKey,
      baseUrl: simulators.altur.url,
      rateLimitPerSecond: 10_000,
      maxConcurrency: 32,
      pollIntervalMs: 0,
      settings: {},
    },
    {
      provider: 'AURALYTIK',
      apiKey: simulators.auralytik.apiKey,
      baseUrl: simulators.auralytik.url,
      rateLimitPerSecond: 10_000,
      maxConcurrency: 32,
      pollIntervalMs: 0,
      settings: {},
    },
  ],
  {
    timeoutMs: 2000,
    maxBodyBytes: 5 * 1024 * 1024,
    onBreakerChange: (provider, state) => breakerEvents.push(`${provider} ${state}`),
  },
);
const server = createServer(
  createApp({ clients, logger: pino({ level: 'silent' }), requestDeadlineMs: 5000 }),
);
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
await Promise.all(clients.map((client) => client.close()));
await simulators.close();
