import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { request } from 'undici';
import { createApp } from '../../src/app.js';
import { type FreshnessPolicy, UpstreamCache } from '../../src/cache/upstreamCache.js';
import type { ProviderConfig, SecurityConfig } from '../../src/config.js';
import type { Provider } from '../../src/domain/campaign.js';
import { createMetrics } from '../../src/observability/metrics.js';
import type { ProviderDependencies } from '../../src/providers/provider.js';
import { createProviderClients } from '../../src/providers/registry.js';
import {
  type AlturSimulator,
  type AlturSimulatorOptions,
  type AuralytikSimulator,
  type AuralytikSimulatorOptions,
  startAlturSimulator,
  startAuralytikSimulator,
} from '../../tools/simulators/index.js';

export interface GraphQLResponse<TData = Record<string, unknown>> {
  status: number;
  data?: TData | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  text: string;
}

export interface HarnessOptions {
  providers?: readonly Provider[];
  altur?: AlturSimulatorOptions;
  auralytik?: AuralytikSimulatorOptions;
  timeoutMs?: number;
  alturRateLimitPerSecond?: number;
  requestDeadlineMs?: number;
  dependencies?: Pick<ProviderDependencies, 'retry' | 'breaker'>;
  security?: Partial<SecurityConfig>;
  graphiql?: boolean;
  responseCacheTtlMs?: number;
  /** Puts the shared upstream cache in front of both providers with this freshness. */
  upstreamCache?: FreshnessPolicy;
}

/**
 * Real simulators on loopback, real provider clients over undici, and the gateway served on port 0:
 * `query` goes over real HTTP, `fetch` calls the yoga app in-process.
 */
export async function startHarness(options: HarnessOptions = {}) {
  const providers = options.providers ?? ['ALTUR', 'AURALYTIK'];
  const altur: AlturSimulator = await startAlturSimulator({
    rateLimit: { limit: 12, windowMs: 1000 },
    ...options.altur,
  });
  const auralytik: AuralytikSimulator = await startAuralytikSimulator(options.auralytik ?? {});
  const configs: ProviderConfig[] = [];
  if (providers.includes('ALTUR')) {
    configs.push({
      provider: 'ALTUR',
      apiKey: altur.apiKey,
      baseUrl: altur.url,
      rateLimitPerSecond: options.alturRateLimitPerSecond ?? 12,
      maxConcurrency: 8,
      pollIntervalMs: 0,
      settings: {},
    });
  }
  if (providers.includes('AURALYTIK')) {
    configs.push({
      provider: 'AURALYTIK',
      apiKey: auralytik.apiKey,
      baseUrl: auralytik.url,
      rateLimitPerSecond: 200,
      maxConcurrency: 16,
      pollIntervalMs: 0,
      settings: {},
    });
  }
  const metrics = createMetrics();
  const cache =
    options.upstreamCache === undefined
      ? undefined
      : new UpstreamCache({
          maxBytes: 16 * 1024 * 1024,
          onLookup: (provider, outcome) => metrics.upstreamCacheLookup(provider, outcome),
        });
  if (options.upstreamCache !== undefined) {
    for (const config of configs) config.freshness = options.upstreamCache;
  }
  const clients = createProviderClients(configs, {
    ...(cache === undefined ? {} : { cache }),
    timeoutMs: options.timeoutMs ?? 5000,
    maxBodyBytes: 1024 * 1024,
    observer: metrics.upstream,
    ...options.dependencies,
  });
  metrics.watchBreakers(clients);
  const logLines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const app = createApp({
    clients,
    logger,
    metrics,
    requestDeadlineMs: options.requestDeadlineMs ?? 8000,
    ...(options.security === undefined ? {} : { security: options.security }),
    ...(options.graphiql === undefined ? {} : { graphiql: options.graphiql }),
    ...(options.responseCacheTtlMs === undefined
      ? {}
      : { responseCache: { ttlMs: options.responseCacheTtlMs, metrics } }),
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

  async function query<TData = Record<string, unknown>>(
    document: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): Promise<GraphQLResponse<TData>> {
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify({ query: document, variables }),
    });
    const text = await response.body.text();
    const parsed = JSON.parse(text) as Omit<GraphQLResponse<TData>, 'status' | 'text'>;
    return { ...parsed, status: response.statusCode, text };
  }

  async function close() {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all([altur.close(), auralytik.close()]);
  }

  return {
    app,
    cache,
    url,
    altur,
    auralytik,
    query,
    close,
    logLines,
    metrics,
    secrets: [altur.apiKey, auralytik.apiKey],
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/** Nothing internal in a response: no provider key, no upstream URL, no stack. */
export function expectNoLeak(harness: Harness, text: string) {
  const leaks = [
    ...harness.secrets.filter((secret) => text.includes(secret)),
    ...[harness.altur.url, harness.auralytik.url, '127.0.0.1', 'at async', 'node_modules', 'stack'].filter(
      (marker) => text.includes(marker),
    ),
  ];
  if (leaks.length > 0) throw new Error(`response leaks ${leaks.join(', ')}: ${text.slice(0, 500)}`);
}
