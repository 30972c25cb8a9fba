import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { request } from 'undici';
import { DEVELOPMENT_SECURITY } from '../../src/app.js';
import type { FreshnessPolicy } from '../../src/cache/upstreamCache.js';
import type { Config, ProviderConfig, SecurityConfig } from '../../src/config.js';
import type { Provider } from '../../src/domain/campaign.js';
import { createGateway, type GatewayOverrides } from '../../src/gateway.js';
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
  /** Passed to createGateway as they are (retry and breaker settings, a dispatcher). */
  overrides?: GatewayOverrides;
  security?: Partial<SecurityConfig>;
  graphiql?: boolean;
  responseCacheTtlMs?: number;
  /** Puts the shared upstream cache in front of both providers with this freshness. */
  upstreamCache?: FreshnessPolicy;
  /**
   * Providers beyond the two simulated here (their modules go in `overrides.modules`), configured after them.
   * The upstream cache's freshness applies to them too.
   */
  extraProviders?: readonly ProviderConfig[];
  /**
   * Simulators already running, shared with other harnesses (so several gateways read the same data); the
   * harness neither starts nor closes them, and `altur`/`auralytik` options do not apply.
   */
  simulators?: { altur: AlturSimulator; auralytik: AuralytikSimulator };
  /** Harnesses given the same secret issue identical cursors and accept each other's. @default random */
  cursorSecret?: string;
}

/**
 * Real simulators on loopback, and the gateway built by createGateway, as main.ts builds it, served on port 0:
 * `query` goes over real HTTP, `fetch` calls the yoga app in-process.
 */
export async function startHarness(options: HarnessOptions = {}) {
  const shared = options.simulators;
  const altur: AlturSimulator =
    shared?.altur ??
    (await startAlturSimulator({ rateLimit: { limit: 12, windowMs: 1000 }, ...options.altur }));
  const auralytik: AuralytikSimulator =
    shared?.auralytik ?? (await startAuralytikSimulator(options.auralytik ?? {}));
  const logLines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const gateway = await createGateway(harnessConfig(options, altur, auralytik), logger, options.overrides);
  const { app } = gateway;
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
    await gateway.close();
    if (shared === undefined) await Promise.all([altur.close(), auralytik.close()]);
  }

  return {
    app,
    cache: gateway.cache,
    url,
    altur,
    auralytik,
    query,
    close,
    logLines,
    metrics: gateway.metrics,
    secrets: [altur.apiKey, auralytik.apiKey],
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/**
 * The harness's gateway configuration. Security starts from DEVELOPMENT_SECURITY (open, no client rate limit)
 * and the upstream cache is off unless asked for. Nothing is polled: a poller's calls would add to the
 * provider calls the tests count.
 */
function harnessConfig(
  options: HarnessOptions,
  altur: AlturSimulator,
  auralytik: AuralytikSimulator,
): Config {
  const enabled = options.providers ?? ['ALTUR', 'AURALYTIK'];
  const freshness = options.upstreamCache === undefined ? {} : { freshness: options.upstreamCache };
  const providers: ProviderConfig[] = [];
  if (enabled.includes('ALTUR')) {
    providers.push({
      provider: 'ALTUR',
      apiKey: altur.apiKey,
      baseUrl: altur.url,
      rateLimitPerSecond: options.alturRateLimitPerSecond ?? 12,
      maxConcurrency: 8,
      pollIntervalMs: 0,
      settings: {},
      ...freshness,
    });
  }
  if (enabled.includes('AURALYTIK')) {
    providers.push({
      provider: 'AURALYTIK',
      apiKey: auralytik.apiKey,
      baseUrl: auralytik.url,
      rateLimitPerSecond: 200,
      maxConcurrency: 16,
      pollIntervalMs: 0,
      settings: {},
      ...freshness,
    });
  }
  for (const extra of options.extraProviders ?? []) providers.push({ ...extra, ...freshness });
  return {
    env: 'test',
    port: 0,
    host: '127.0.0.1',
    logLevel: 'debug',
    upstream: { timeoutMs: options.timeoutMs ?? 5000, maxBodyBytes: 1024 * 1024 },
    upstreamCacheMaxBytes: options.upstreamCache === undefined ? 0 : 16 * 1024 * 1024,
    requestDeadlineMs: options.requestDeadlineMs ?? 8000,
    providers,
    graphiql: options.graphiql ?? true,
    security: { ...DEVELOPMENT_SECURITY, ...options.security },
    tracesEndpoint: undefined,
    responseCacheTtlMs: options.responseCacheTtlMs ?? 0,
    redis: undefined,
    // A secret per harness unless given, so a cursor from one harness is foreign to the next.
    cursorSecret: options.cursorSecret ?? randomBytes(32).toString('base64url'),
    events: {
      webhookMaxBodyBytes: 64 * 1024,
      retention: { maxAgeMs: 24 * 60 * 60 * 1000, maxCount: 10_000 },
      maxSubscriptionsPerClient: 10,
      subscriptionQueueMax: 1000,
      keepAliveMs: 12_000,
    },
  };
}

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
