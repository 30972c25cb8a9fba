import { randomBytes } from 'node:crypto';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { GraphQLError } from 'graphql';
import { type CORSOptions, createYoga, type GraphiQLOptions, type Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { type ResponseCacheOptions, useGatewayResponseCache } from './cache/responseCache.js';
import { DEFAULT_OPERATION_LIMITS, type SecurityConfig } from './config.js';
import { createContext, type GatewayContext } from './context.js';
import type { Metrics } from './observability/metrics.js';
import { useOperationTracing, useRequestTelemetry } from './observability/telemetry.js';
import { CursorCodec } from './pagination/cursor.js';
import { useCompiledExecution } from './plugins/compiledExecution.js';
import { useCsrfPrevention } from './plugins/csrfPrevention.js';
import { useKnownRoutesOnly } from './plugins/knownRoutes.js';
import { DEFAULT_METRICS_PATH, useMetricsEndpoint } from './plugins/metricsEndpoint.js';
import { usePartialErrors } from './plugins/partialErrors.js';
import { DEFAULT_READINESS_ENDPOINT, useReadiness } from './plugins/readiness.js';
import { DEFAULT_GRAPHQL_ENDPOINT, useRequestInfo } from './plugins/requestInfo.js';
import type { ProviderClient, ProviderModule } from './providers/provider.js';
import { PROVIDER_MODULES } from './providers/registry.js';
import type { RedisState } from './scaleout/redis.js';
import { buildSchema } from './schema/index.js';
import { useClientAccess } from './security/clientAccess.js';
import { useOperationLimits } from './security/limits.js';

export interface AppOptions {
  clients: readonly ProviderClient[];
  /**
   * The registry the schema is built from (its Provider enum and object types) and GraphiQL's example.
   * @default PROVIDER_MODULES (src/providers/registry.ts)
   */
  modules?: readonly ProviderModule[];
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
  /**
   * `reference` executes with plain graphql-js: the executor the compiled one (graphql-jit) is tested against.
   * @default 'compiled'
   */
  execution?: 'compiled' | 'reference';
}

/** GraphiQL's first query: the merged list, with each provider's own fields. */
export function exampleQueryFor(modules: readonly ProviderModule[]): string {
  return `# The newest campaigns of every provider, one Relay connection.
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
${modules.map((module) => `        ... on ${module.typeName} { ${module.docs.exampleFields} }`).join('\n')}
      }
    }
  }
}
`;
}

const GRAPHQL_ENDPOINT = DEFAULT_GRAPHQL_ENDPOINT;
const HEALTH_ENDPOINT = '/healthz';

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
  const modules = options.modules ?? PROVIDER_MODULES;
  const schema = buildSchema(modules);
  const security = { ...DEVELOPMENT_SECURITY, ...options.security };
  const plugins: (
    | Plugin
    | Plugin<GatewayContext>
    | Plugin<GatewayContext & Record<string, unknown>>
    | ReturnType<typeof useCompiledExecution>[number]
  )[] = [
    // Request info is recorded in yoga's request instrumentation, ahead of every onRequest below wherever
    // this line stands; what the plugins read and write there does not depend on this list's order.
    useRequestInfo({ graphqlEndpoint: GRAPHQL_ENDPOINT }),

    // 1. Routing: webhook intake answers paths of its own; any other path not served is 404. Then what every
    //    GraphQL request gets whatever its fate: its log line and metrics, the compiled executor, its span.
    ...(options.live?.intake ?? []),
    useKnownRoutesOnly({
      paths: [GRAPHQL_ENDPOINT, HEALTH_ENDPOINT, DEFAULT_READINESS_ENDPOINT, DEFAULT_METRICS_PATH],
      graphqlEndpoint: GRAPHQL_ENDPOINT,
    }),
    useRequestTelemetry({ logger, metrics }),
    // Each document compiled once to a function (and a result serialiser), instead of graphql-js walking
    // the AST for every one of a page's 100 items; the documents it would answer differently run on graphql-js.
    ...(options.execution === 'reference' ? [] : useCompiledExecution()),
    ...(options.tracing === true ? [useOperationTracing()] : []),
    ...(metrics === undefined ? [] : [useMetricsEndpoint({ metrics })]),

    // 2. Who is asking, and may they: client keys or JWT, the per-client rate limit. Live events count open
    //    subscriptions by that client.
    useClientAccess({
      graphqlEndpoint: GRAPHQL_ENDPOINT,
      apiKeys: security.apiKeys,
      jwt: security.jwt,
      rateLimitPerSecond: security.clientRateLimitPerSecond,
      trustProxy: security.trustProxy,
      ...(options.clientRateLimiter === undefined ? {} : { rateLimiter: options.clientRateLimiter }),
    }),
    ...(options.live?.subscriptions ?? []),

    // 3. What they ask, refused before any resolver runs: CSRF, body size, tokens, depth, aliases,
    //    directives, variables and cost; introspection in production.
    useCsrfPrevention(),
    ...useOperationLimits(schema, security.limits, security.exposeLimits),
    ...(security.introspection ? [] : [useDisableIntrospection<GatewayContext & Record<string, unknown>>()]),

    // 4. The result: partial errors added, then the response cache, which must see them to leave the
    //    result out.
    usePartialErrors(),
    ...(options.responseCache === undefined ? [] : [useGatewayResponseCache(options.responseCache)]),

    // 5. /readyz, for the load balancer.
    useReadiness({
      clients,
      ...(options.isShuttingDown === undefined ? {} : { isShuttingDown: options.isShuttingDown }),
      ...(options.redisState === undefined ? {} : { redisState: options.redisState }),
    }),
  ];

  return createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    healthCheckEndpoint: HEALTH_ENDPOINT,
    landingPage: false,
    renderGraphiQL: localGraphiQL(),
    graphiql:
      options.graphiql === false
        ? false
        : {
            title: 'Campaign gateway',
            defaultQuery: options.exampleQuery ?? exampleQueryFor(modules),
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

export type App = ReturnType<typeof createApp>;

function isAbortError(value: unknown): boolean {
  const error = value instanceof GraphQLError ? value.originalError : value;
  return error instanceof Error && error.name === 'AbortError';
}
