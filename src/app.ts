import { randomBytes } from 'node:crypto';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { GraphQLError } from 'graphql';
import {
  type CORSOptions,
  createYoga,
  type GraphiQLOptions,
  isAsyncIterable,
  type Plugin,
  useReadinessCheck,
} from 'graphql-yoga';
import type { Logger } from 'pino';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { type ResponseCacheOptions, useGatewayResponseCache } from './cache/responseCache.js';
import { DEFAULT_OPERATION_LIMITS, type SecurityConfig } from './config.js';
import { createContext, type GatewayContext } from './context.js';
import { CsrfPreventedError, NotFoundError } from './errors.js';
import type { Metrics } from './observability/metrics.js';
import { useOperationTracing, useRequestTelemetry } from './observability/telemetry.js';
import { CursorCodec } from './pagination/cursor.js';
import { useRequestInfo } from './plugins/requestInfo.js';
import type { ProviderClient } from './providers/provider.js';
import type { RedisState } from './scaleout/redis.js';
import { schema } from './schema/index.js';
import { useClientAccess } from './security/clientAccess.js';
import { useOperationLimits } from './security/limits.js';
import { rejectRequest } from './security/reject.js';

export interface AppOptions {
  clients: readonly ProviderClient[];
  logger: Logger;
  /**
   * Serve GraphiQL on GET /graphql.
   * @default true
   */
  graphiql?: boolean;
  /**
   * No upstream attempt starts, and no retry waits, later than this after a request arrives.
   * @default 15000
   */
  requestDeadlineMs?: number;
  /** True once shutdown began: /readyz then answers 503 so the load balancer stops sending traffic. */
  isShuttingDown?: () => boolean;
  /** Preloaded in GraphiQL's editor. */
  exampleQuery?: string;
  /** Defaults to DEVELOPMENT_SECURITY: open, introspectable, no client rate limit. */
  security?: Partial<SecurityConfig>;
  metrics?: Metrics;
  /** Spans per operation (an SDK must be registered to record them). */
  tracing?: boolean;
  /** Shared per-client limiter (Redis) in place of the process-local one. */
  clientRateLimiter?: RateLimiterAbstract;
  /** Unset: no response cache. */
  responseCache?: ResponseCacheOptions;
  /** Reported by /readyz when replicas share state through Redis. */
  redisState?: () => RedisState;
  /**
   * Signs connection cursors; replicas that share it accept each other's cursors.
   * @default a random secret per process
   */
  cursorSecret?: string;
  /** Live events (src/events): `intake` answers its own paths before the route check (webhooks);
   * `subscriptions` runs after client access, whose client id it counts subscriptions by. */
  live?: { intake: Plugin[]; subscriptions: Plugin[] };
}

export const EXAMPLE_QUERY = `# The newest campaigns of every provider, one Relay connection.
query NewestCampaigns($after: String) {
  campaigns(first: 10, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id
        provider
        name
        status
        channel
        createdAt
        ... on AlturCampaign { agent { name } timezone archived }
        ... on AuralytikCampaign { type channelType startDate endDate }
      }
    }
  }
}
`;

const GRAPHQL_ENDPOINT = '/graphql';

/** In-process and test defaults: open, introspectable, limits stated. Production values come from config.ts. */
export const DEVELOPMENT_SECURITY: SecurityConfig = {
  apiKeys: [],
  introspection: true,
  exposeLimits: true,
  corsOrigins: ['*'],
  trustProxy: false,
  limits: DEFAULT_OPERATION_LIMITS,
  clientRateLimitPerSecond: 0,
};

/** The configured yoga instance; it never listens (main.ts does), so tests can call `app.fetch` in-process. */
export function createApp(options: AppOptions) {
  const cursors = new CursorCodec(options.cursorSecret ?? randomBytes(32).toString('base64url'));
  const { clients, logger, metrics } = options;
  const security = { ...DEVELOPMENT_SECURITY, ...options.security };
  const plugins: (
    | Plugin
    | Plugin<GatewayContext>
    | Plugin<GatewayContext & Record<string, unknown>>
    | ReturnType<typeof useGraphQlJit>
  )[] = [
    // Request info is recorded in yoga's request instrumentation, ahead of every onRequest below wherever
    // this line stands; what the plugins read and write there does not depend on this list's order.
    useRequestInfo({ graphqlEndpoint: GRAPHQL_ENDPOINT }),
    ...(options.live?.intake ?? []),
    useKnownRoutesOnly([GRAPHQL_ENDPOINT, '/healthz', '/readyz', '/metrics']),
    useRequestTelemetry({ logger, metrics }),
    // Each document compiled once to a function (and a result serialiser), instead of graphql-js walking
    // the AST for every one of a page's 100 items.
    useGraphQlJit(),
  ];
  if (options.tracing === true) plugins.push(useOperationTracing());
  if (metrics !== undefined) plugins.push(useMetricsEndpoint(metrics));
  plugins.push(
    useClientAccess({
      graphqlEndpoint: GRAPHQL_ENDPOINT,
      apiKeys: security.apiKeys,
      jwt: security.jwt,
      rateLimitPerSecond: security.clientRateLimitPerSecond,
      trustProxy: security.trustProxy,
      ...(options.clientRateLimiter === undefined ? {} : { rateLimiter: options.clientRateLimiter }),
    }),
    ...(options.live?.subscriptions ?? []),
    useCsrfPrevention(),
    ...useOperationLimits(schema, security.limits, security.exposeLimits),
  );
  if (!security.introspection) plugins.push(useDisableIntrospection());
  // After usePartialErrors: the cache must see a result's partial errors to leave it out.
  plugins.push(usePartialErrors());
  if (options.responseCache !== undefined) plugins.push(useGatewayResponseCache(options.responseCache));
  plugins.push(
    useReadinessCheck({
      endpoint: '/readyz',
      // A provider with an open circuit leaves the gateway ready: every replica sees the same provider,
      // and the other providers are still served.
      check: () => {
        const stopping = options.isShuttingDown?.() ?? false;
        const providers = Object.fromEntries(clients.map((client) => [client.provider, client.breakerState]));
        // Redis unreachable keeps the replica ready too: it falls back to local limits and no shared cache.
        const redis = options.redisState === undefined ? {} : { redis: options.redisState() };
        return Response.json(
          { status: stopping ? 'shutting-down' : 'ready', providers, ...redis },
          { status: stopping ? 503 : 200 },
        );
      },
    }),
  );

  return createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    healthCheckEndpoint: '/healthz',
    landingPage: false,
    renderGraphiQL: localGraphiQL(),
    graphiql:
      options.graphiql === false
        ? false
        : {
            title: 'Campaign gateway',
            defaultQuery: options.exampleQuery ?? EXAMPLE_QUERY,
            ...(security.apiKeys.length > 0 || security.jwt !== undefined
              ? {
                  headers: JSON.stringify(
                    {
                      Authorization:
                        security.jwt === undefined
                          ? 'Bearer <your API key>'
                          : 'Bearer <your API key or token>',
                    },
                    null,
                    2,
                  ),
                }
              : {}),
          },
    cors: corsOptions(security.corsOrigins),
    // Never attach stacks or internal messages to a response, whatever NODE_ENV says.
    maskedErrors: { isDev: false },
    // One operation per request: a batch would multiply the work behind a single size and cost check.
    batching: false,
    context: ({ request }) => createContext(clients, request, options.requestDeadlineMs ?? 15_000, cursors),
    logging: {
      debug: (...args) => logger.debug({ detail: args.map(String) }, 'yoga'),
      info: (...args) => logger.info({ detail: args.map(String) }, 'yoga'),
      warn: (...args) => logger.warn({ detail: args.map(String) }, 'yoga'),
      // A client that hung up makes its pending fields fail with an AbortError: expected, not an error.
      error: (...args) =>
        logger[args.some(isAbortError) ? 'debug' : 'error']({ detail: args.map(String) }, 'yoga'),
    },
    plugins,
  });
}

/**
 * GraphiQL with its script, styles, editor workers and favicon inlined (@graphql-yoga/render-graphiql), where
 * yoga's own page loads them from unpkg.com and stays blank on a machine without internet. The 9 MB module is
 * imported on the first GraphiQL request, so a process with GraphiQL off never loads it, and the page is
 * rendered once per set of options.
 */
function localGraphiQL(): (options?: GraphiQLOptions) => Promise<string> {
  const pages = new Map<string, Promise<string>>();
  return (options) => {
    const key = JSON.stringify(options ?? {});
    let page = pages.get(key);
    if (page === undefined) {
      // This page seeds its editor from `query` and shows its welcome text otherwise; yoga's typed option, and
      // the one its own page reads, is `defaultQuery`.
      const seeded = { ...options, query: options?.defaultQuery };
      page = import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) => renderGraphiQL(seeded));
      pages.set(key, page);
    }
    return page;
  };
}

function corsOptions(origins: readonly string[]): CORSOptions | false {
  if (origins.length === 0) return false;
  return {
    origin: origins.includes('*') ? '*' : [...origins],
    credentials: false,
    allowedHeaders: ['authorization', 'content-type', 'x-request-id', 'x-graphql-csrf'],
    exposedHeaders: ['x-request-id', 'retry-after'],
    maxAge: 600,
  };
}

/**
 * 404 for every path but the served ones, before any other plugin. yoga also runs GraphQL for `/graphql/` and
 * for any path ending in `/graphql`; without this, such a path would reach execution past the checks that
 * match the endpoint exactly (client keys, rate limit, logs).
 */
function useKnownRoutesOnly(paths: readonly string[]): Plugin {
  const known = new Set(paths);
  return {
    onRequest({ request, url, endResponse }) {
      if (!known.has(url.pathname)) endResponse(rejectRequest(request, new NotFoundError(GRAPHQL_ENDPOINT)));
    },
  };
}

/** Prometheus text on GET /metrics; meant for the cluster's scraper, not to be routed from the internet. */
function useMetricsEndpoint(metrics: Metrics): Plugin {
  return {
    async onRequest({ url, request, endResponse }) {
      if (url.pathname !== '/metrics' || request.method !== 'GET') return;
      endResponse(
        new Response(await metrics.registry.metrics(), {
          headers: { 'content-type': metrics.registry.contentType },
        }),
      );
    },
  };
}

/**
 * yoga's CSRF plugin, with its refusal turned into an error with a code and advice. A request that carries
 * Authorization was preflighted by any browser, so it counts as safe like the custom header.
 */
function useCsrfPrevention(): Plugin {
  const csrf = useCSRFPrevention({
    requestHeaders: ['x-graphql-csrf', 'x-graphql-yoga-csrf', 'apollo-require-preflight', 'authorization'],
  });
  return {
    onRequestParse(payload) {
      try {
        return csrf.onRequestParse?.(payload);
      } catch {
        throw new CsrfPreventedError();
      }
    },
  };
}

export type App = ReturnType<typeof createApp>;

function isAbortError(value: unknown): boolean {
  const error = value instanceof GraphQLError ? value.originalError : value;
  return error instanceof Error && error.name === 'AbortError';
}

/**
 * Adds the errors a request collected without failing a field (a provider down, an item skipped), and says
 * which providers' data came from the cache past its freshness because the provider failed or its quota was
 * spent (`extensions.staleData`).
 */
function usePartialErrors(): Plugin<GatewayContext> {
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          const { partialErrors, staleData } = args.contextValue;
          if ((partialErrors.length === 0 && staleData.size === 0) || isAsyncIterable(result)) return;
          setResult({
            ...result,
            ...(partialErrors.length === 0 ? {} : { errors: [...(result.errors ?? []), ...partialErrors] }),
            ...(staleData.size === 0
              ? {}
              : {
                  extensions: {
                    ...result.extensions,
                    staleData: [...staleData].map(([provider, ageMs]) => ({
                      provider,
                      ageSeconds: Math.round(ageMs / 100) / 10,
                    })),
                  },
                }),
          });
        },
      };
    },
  };
}
