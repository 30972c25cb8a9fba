import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Dispatcher } from 'undici';
import { type App, createApp } from './app.js';
import { UpstreamCache } from './cache/upstreamCache.js';
import type { Config } from './config.js';
import type { Provider } from './domain/campaign.js';
import { createLiveEvents, type LiveEventsSetup } from './events/index.js';
import { serveWebSockets } from './events/websocket.js';
import type { BreakerOptions, BreakerState, RetryOptions } from './http/resilience.js';
import { RATE_WINDOW_MS } from './http/resilientCalls.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import type { ProviderClient, ProviderModule } from './providers/provider.js';
import { createProviderClients, PROVIDER_MODULES } from './providers/registry.js';
import { connectRedis, type RedisConnection } from './scaleout/redis.js';
import { createSharedRateLimits } from './scaleout/sharedRateLimit.js';
import { buildSchema } from './schema/index.js';

const SHARED_WINDOW_SLACK_MS = 50;

export interface Gateway {
  app: App;
  /** The shared upstream cache, when on: what learns of a change calls its `invalidate`. */
  cache: UpstreamCache | undefined;
  clients: readonly ProviderClient[];
  metrics: Metrics;
  /** Event log, webhook intake, pollers and subscriptions (issue 15). */
  events: LiveEventsSetup;
  /** Serves graphql-ws on the server's /graphql; closed with the gateway. */
  serveWebSockets(server: Server): void;
  /** Closes upstream pools and Redis, and flushes traces; the HTTP server is the caller's. */
  close(): Promise<void>;
}

/**
 * What a caller may set beside the configuration: things no environment variable expresses. `main` passes
 * only its shutdown flag; tests and tools pass the rest. Left out, each is what production runs.
 */
export interface GatewayOverrides {
  /**
   * True once shutdown began: /readyz then answers 503 so the load balancer stops sending traffic.
   * @default () => false
   */
  isShuttingDown?: () => boolean;
  /**
   * What every provider transport sends its requests through (a proxy agent, a recording dispatcher); it
   * is the caller's to close. It must take undici's handler API, as an Agent, Pool, ProxyAgent or MockAgent
   * does; a bare MockPool does not, and each request would wait for its timeout.
   * @default a keep-alive undici Pool per provider origin, closed with the gateway
   */
  dispatcher?: Dispatcher;
  /**
   * Upstream retries: attempts, backoff, and the retry budget.
   * @default DEFAULT_RETRY (src/http/resilience.ts)
   */
  retry?: RetryOptions;
  /**
   * Each provider's circuit breaker.
   * @default DEFAULT_BREAKER (src/http/resilience.ts): open after 5 consecutive failures, half-open after 5 s
   */
  breaker?: BreakerOptions;
  /** Told of every circuit change, after the gateway has logged it. */
  onBreakerChange?: (provider: Provider, state: BreakerState) => void;
  /**
   * The providers the gateway knows: its schema, clients, webhooks and pollers come from them. Configure it
   * with `loadConfig(env, modules)` so each reads its own variables.
   * @default PROVIDER_MODULES (src/providers/registry.ts)
   */
  modules?: readonly ProviderModule[];
  /**
   * `reference` executes with plain graphql-js: the executor the compiled one is tested against.
   * @default 'compiled' (graphql-jit)
   */
  execution?: 'compiled' | 'reference';
}

/** Everything `main`, the demo, the tests and the tools serve, wired from one configuration. */
export async function createGateway(
  config: Config,
  logger: Logger,
  overrides: GatewayOverrides = {},
): Promise<Gateway> {
  const stopTracing =
    config.tracesEndpoint === undefined
      ? undefined
      : (await import('./observability/tracingSdk.js')).startTracing(config.tracesEndpoint);
  const metrics = createMetrics(config.providers.map((provider) => provider.provider));
  const redis = config.redis === undefined ? undefined : await connectRedis(config.redis.url, logger);
  const prefix = config.redis?.keyPrefix ?? '';
  const sharedRates =
    redis === undefined || config.redis === undefined
      ? undefined
      : // Replicas add their own scheduling jitter between taking a slot and the provider seeing the request.
        createSharedRateLimits({
          redis: redis.redis,
          prefix,
          windowMs: RATE_WINDOW_MS + SHARED_WINDOW_SLACK_MS,
          expectedReplicas: config.redis.expectedReplicas,
        });

  const cache =
    config.upstreamCacheMaxBytes === 0
      ? undefined
      : new UpstreamCache({
          maxBytes: config.upstreamCacheMaxBytes,
          redis: redis && { client: redis.redis, subscriber: redis.redis.duplicate(), prefix },
          onLookup: (provider, outcome) => metrics.upstreamCacheLookup(provider, outcome),
        });
  if (cache !== undefined) metrics.watchUpstreamCache(() => cache.sizeBytes);
  const { dispatcher, retry, breaker } = overrides;
  const modules = overrides.modules ?? PROVIDER_MODULES;
  const schema = buildSchema(modules);
  const clients = createProviderClients(
    config.providers,
    {
      ...config.upstream,
      ...(cache === undefined ? {} : { cache }),
      ...(dispatcher === undefined ? {} : { dispatcher }),
      ...(retry === undefined ? {} : { retry }),
      ...(breaker === undefined ? {} : { breaker }),
      observer: metrics.upstream,
      onBreakerChange: (provider, state) => {
        logger[state === 'closed' ? 'info' : 'warn'](
          { provider, breaker: state },
          `${provider} circuit ${state}`,
        );
        overrides.onBreakerChange?.(provider, state);
      },
      ...(sharedRates === undefined
        ? {}
        : { sharedRateLimit: (provider, limit) => sharedRates.forProvider(provider, limit) }),
    },
    modules,
  );
  metrics.watchBreakers(clients);
  if (config.security.apiKeys.length === 0 && config.security.jwt === undefined) {
    logger.warn(
      'CLIENT AUTHENTICATION IS OFF: anyone who can reach this gateway can query it with its provider keys. ' +
        'Set GATEWAY_API_KEYS (and/or JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE) to require `Authorization: Bearer …`.',
    );
  }
  const events = createLiveEvents(config.events, {
    clients,
    modules,
    providers: config.providers,
    logger,
    metrics,
    cache,
    redis: redis && { client: redis.redis, prefix },
  });
  const app = createApp({
    modules,
    live: { intake: events.intakePlugins, subscriptions: events.subscriptionPlugins },
    clients,
    logger,
    metrics,
    graphiql: config.graphiql,
    security: config.security,
    tracing: stopTracing !== undefined,
    requestDeadlineMs: config.requestDeadlineMs,
    cursorSecret: config.cursorSecret,
    ...(overrides.isShuttingDown === undefined ? {} : { isShuttingDown: overrides.isShuttingDown }),
    ...(overrides.execution === undefined ? {} : { execution: overrides.execution }),
    ...(config.responseCacheTtlMs === 0
      ? {}
      : {
          responseCache: {
            ttlMs: config.responseCacheTtlMs,
            metrics,
            ...(redis && { redis: { client: redis.redis, prefix } }),
          },
        }),
    ...(redis === undefined ? {} : redisAppOptions(redis, prefix, config.security.clientRateLimitPerSecond)),
  });
  const sockets: { close(): Promise<void> }[] = [];
  return {
    app,
    cache,
    clients,
    metrics,
    events,
    serveWebSockets(server) {
      sockets.push(serveWebSockets(server, app, schema, { keepAliveMs: config.events.keepAliveMs }));
    },
    async close() {
      await Promise.allSettled(sockets.map((socket) => socket.close()));
      await events.close();
      await Promise.allSettled(clients.map((client) => client.close()));
      sharedRates?.close();
      cache?.close();
      await redis?.close();
      await stopTracing?.();
    },
  };
}

/** What the app takes from Redis: its state for /readyz, and per-client limits counted there (while Redis is
 * away each replica counts on its own: the insurance limiter). */
function redisAppOptions(redis: RedisConnection, prefix: string, perSecond: number) {
  const redisState = () => redis.state;
  if (perSecond === 0) return { redisState };
  return {
    redisState,
    clientRateLimiter: new RateLimiterRedis({
      storeClient: redis.redis,
      keyPrefix: `${prefix}:client`,
      points: perSecond,
      duration: 1,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ points: perSecond, duration: 1 }),
    }),
  };
}
