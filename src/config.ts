// About 370 lines on purpose: the environment is one zod schema and one mapping to Config, and every
// variable the README documents is read here, so that a reader checks names and bounds in one place.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { FreshnessPolicy } from './cache/upstreamCache.js';
import type { Provider } from './domain/campaign.js';
import type { ProviderModule } from './providers/provider.js';
import { PROVIDER_MODULES } from './providers/registry.js';
import { JWT_ALGORITHMS, type JwtConfig } from './security/jwt.js';

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

export const optionalSecret = z.preprocess(emptyAsUndefined, z.string().trim().min(1).optional());
const url = (fallback: string) =>
  z.preprocess(
    emptyAsUndefined,
    z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .default(fallback)
      .transform((value) => value.replace(/\/+$/, '')),
  );
const booleanFlag = z.preprocess(
  emptyAsUndefined,
  z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .transform((value) => value === 'true' || value === '1')
    .optional(),
);
/** Comma-separated, blanks ignored: `a, b,,c` is three entries. */
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (value) =>
      typeof value === 'string'
        ? value
            .split(',')
            .map((entry) => entry.trim())
            .filter((entry) => entry !== '')
        : value,
    z.array(item).default([]),
  );
const wholeNumber = (fallback: number, min: 0 | 1, max: number) =>
  z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number({ error: 'must be a whole number' })
      .int({ error: 'must be a whole number' })
      .min(min, { error: min === 0 ? 'must be 0 or more' : 'must be at least 1' })
      .max(max, { error: `must be at most ${max}` })
      .default(fallback),
  );
const nonNegativeInt = (fallback: number, max: number) => wholeNumber(fallback, 0, max);
const positiveInt = (fallback: number, max: number) => wholeNumber(fallback, 1, max);

/** What a query may ask before it is refused; each is configurable (MAX_DEPTH …). */
export const DEFAULT_OPERATION_LIMITS: OperationLimits = {
  maxDepth: 10,
  maxAliases: 15,
  maxTokens: 2000,
  maxDirectives: 20,
  maxCost: 2500,
  maxRequestBytes: 64 * 1024,
};

/** The environment the gateway reads; each variable is documented in the README's configuration table. */
export const environmentSchema = z.object({
  NODE_ENV: z.preprocess(
    emptyAsUndefined,
    z.enum(['development', 'production', 'test']).default('development'),
  ),
  PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65_535).default(4000)),
  HOST: z.preprocess(emptyAsUndefined, z.string().min(1).default('0.0.0.0')),
  LOG_LEVEL: z.preprocess(
    emptyAsUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  UPSTREAM_TIMEOUT_MS: positiveInt(10_000, 300_000),
  REQUEST_DEADLINE_MS: positiveInt(15_000, 600_000),
  UPSTREAM_MAX_BODY_BYTES: positiveInt(5 * 1024 * 1024, 256 * 1024 * 1024),
  // Hot pages are few (people page the same lists); a larger bound mostly keeps cold pages alive, which V8
  // then lets grow its heap by a multiple of (RSS +90 MiB at 32 MiB in the bench's varied rows).
  UPSTREAM_CACHE_MAX_BYTES: nonNegativeInt(8 * 1024 * 1024, 4 * 1024 * 1024 * 1024),
  UPSTREAM_CACHE_STALE_WHILE_REVALIDATE_MS: nonNegativeInt(5000, 3_600_000),
  UPSTREAM_CACHE_STALE_IF_ERROR_MS: nonNegativeInt(60_000, 86_400_000),
  GATEWAY_API_KEYS: list(z.string().min(16, { error: 'each key must be at least 16 characters' })),
  JWT_JWKS_URL: z.preprocess(
    emptyAsUndefined,
    z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  ),
  JWT_ISSUER: z.preprocess(emptyAsUndefined, z.string().trim().min(1).optional()),
  JWT_AUDIENCE: z.preprocess(emptyAsUndefined, z.string().trim().min(1).optional()),
  JWT_ALGORITHMS: list(
    z.enum(JWT_ALGORITHMS, {
      error: `each must be one of ${JWT_ALGORITHMS.join(', ')} (none and HS* are never accepted)`,
    }),
  ).transform((algorithms) => (algorithms.length === 0 ? (['RS256', 'ES256'] as const) : algorithms)),
  JWT_CLOCK_TOLERANCE_S: nonNegativeInt(30, 300),
  GRAPHQL_INTROSPECTION: booleanFlag,
  GRAPHIQL: booleanFlag,
  CORS_ORIGINS: list(
    z.union([
      z.literal('*'),
      z.url({ protocol: /^https?$/, error: 'each origin must be an http(s) URL or *' }),
    ]),
  ),
  TRUST_PROXY: booleanFlag,
  MAX_DEPTH: positiveInt(DEFAULT_OPERATION_LIMITS.maxDepth, 100),
  MAX_ALIASES: positiveInt(DEFAULT_OPERATION_LIMITS.maxAliases, 1000),
  MAX_TOKENS: positiveInt(DEFAULT_OPERATION_LIMITS.maxTokens, 1_000_000),
  MAX_DIRECTIVES: positiveInt(DEFAULT_OPERATION_LIMITS.maxDirectives, 1000),
  MAX_COST: positiveInt(DEFAULT_OPERATION_LIMITS.maxCost, 10_000_000),
  MAX_REQUEST_BYTES: positiveInt(DEFAULT_OPERATION_LIMITS.maxRequestBytes, 16 * 1024 * 1024),
  CLIENT_RATE_LIMIT_PER_SECOND: nonNegativeInt(50, 1_000_000),
  RESPONSE_CACHE_TTL_MS: nonNegativeInt(0, 3_600_000),
  REDIS_URL: z.preprocess(
    emptyAsUndefined,
    z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
  ),
  REDIS_KEY_PREFIX: z.preprocess(emptyAsUndefined, z.string().min(1).default('campaign-gateway')),
  EXPECTED_REPLICAS: positiveInt(1, 1000),
  CURSOR_SECRET: z.preprocess(
    emptyAsUndefined,
    z.string().trim().min(16, { error: 'must be at least 16 characters' }).optional(),
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(emptyAsUndefined, z.url().optional()),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.preprocess(emptyAsUndefined, z.url().optional()),
  // Live events (issue 15): webhook intake, event log, subscriptions, polling.
  WEBHOOK_MAX_BODY_BYTES: positiveInt(64 * 1024, 16 * 1024 * 1024),
  EVENT_RETENTION_MS: positiveInt(24 * 60 * 60 * 1000, 30 * 24 * 60 * 60 * 1000),
  EVENT_RETENTION_COUNT: positiveInt(10_000, 10_000_000),
  MAX_SUBSCRIPTIONS_PER_CLIENT: positiveInt(10, 100_000),
  SUBSCRIPTION_QUEUE_MAX: positiveInt(1000, 1_000_000),
  SUBSCRIPTION_KEEP_ALIVE_MS: positiveInt(12_000, 600_000),
});

export type Environment = z.infer<typeof environmentSchema>;

export interface ProviderConfig {
  provider: Provider;
  apiKey: string;
  baseUrl: string;
  rateLimitPerSecond: number;
  maxConcurrency: number;
  /** How long its answers may be reused by the shared upstream cache; absent or freshMs 0: not cached. */
  freshness?: FreshnessPolicy;
  /** How often it is polled for changes (live events); 0: not polled. */
  pollIntervalMs: number;
  /** Its own variables (ProviderEnvironment.settings), parsed; only its own module reads them. */
  settings: Record<string, unknown>;
}

/** What clients may send and how the gateway protects itself; see src/security. */
export interface SecurityConfig {
  /** Empty, and no `jwt`: no client authentication (the gateway warns at start). */
  apiKeys: readonly string[];
  /** Bearer JWTs from one issuer (browser apps), accepted beside the API keys. */
  jwt?: JwtConfig | undefined;
  introspection: boolean;
  /** Error messages state the configured limits (development); production only says which limit. */
  exposeLimits: boolean;
  /** `*` for any origin; empty for no CORS headers at all (same origin only, the production default). */
  corsOrigins: readonly string[];
  /** Read the client address from the last X-Forwarded-For entry (the one load balancer in front appended). */
  trustProxy: boolean;
  limits: OperationLimits;
  /** Requests per second per client (API key, else address); 0 turns the limit off. */
  clientRateLimitPerSecond: number;
}

export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  /** Upstream work one operation may ask for; see src/security/cost.ts. */
  maxCost: number;
  maxRequestBytes: number;
}

export interface Config {
  env: Environment['NODE_ENV'];
  port: number;
  host: string;
  logLevel: Environment['LOG_LEVEL'];
  upstream: { timeoutMs: number; maxBodyBytes: number };
  /** Bound on the shared upstream cache's memory tier; 0 turns the cache off. */
  upstreamCacheMaxBytes: number;
  /** Bound on the upstream work of one GraphQL request, retries included. */
  requestDeadlineMs: number;
  /** Only the providers whose key is set: a provider without a key is not called at all. */
  providers: ProviderConfig[];
  graphiql: boolean;
  security: SecurityConfig;
  /** OTLP/HTTP traces endpoint; tracing costs nothing when unset. */
  tracesEndpoint: string | undefined;
  /** 0: no response cache. */
  responseCacheTtlMs: number;
  /** Set: rate limits and the response cache are shared with the other replicas through it. */
  redis: { url: string; keyPrefix: string; expectedReplicas: number } | undefined;
  /** Signs connection cursors (see src/pagination/cursor.ts). */
  cursorSecret: string;
  /** Live events: see src/events and the README's *Live events*. */
  events: EventsConfig;
}

export interface EventsConfig {
  webhookMaxBodyBytes: number;
  retention: { maxAgeMs: number; maxCount: number };
  maxSubscriptionsPerClient: number;
  /** Events one subscriber may have waiting before it is dropped as too slow. */
  subscriptionQueueMax: number;
  keepAliveMs: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(
  source: Record<string, string | undefined> = process.env,
  modules: readonly ProviderModule[] = PROVIDER_MODULES,
): Config {
  const parsed = environmentSchema.safeParse(source);
  const issues = parsed.success ? [] : parsed.error.issues;
  const configured = modules.map((module) => readProviderConfig(module, source));
  for (const result of configured) if (!result.success) issues.push(...result.error.issues);
  if (!parsed.success || issues.length > 0) {
    const lines = issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  const providers: ProviderConfig[] = [];
  for (const result of configured) {
    if (!result.success || result.data === null) continue;
    const { freshMs, ...provider } = result.data;
    providers.push({ ...provider, freshness: freshness(freshMs, env) });
  }
  if (providers.length === 0) {
    const keys = modules.map((module) => `${module.environment.prefix}_API_KEY`).join(' and/or ');
    throw new ConfigError(
      `No provider is enabled. Set ${keys} (and their *_BASE_URL if not the public APIs). ` +
        'To try the gateway without keys, run `npm run demo`.',
    );
  }
  const production = env.NODE_ENV === 'production';
  const jwt = jwtConfig(env);
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    upstream: { timeoutMs: env.UPSTREAM_TIMEOUT_MS, maxBodyBytes: env.UPSTREAM_MAX_BODY_BYTES },
    upstreamCacheMaxBytes: env.UPSTREAM_CACHE_MAX_BYTES,
    requestDeadlineMs: env.REQUEST_DEADLINE_MS,
    providers,
    graphiql: env.GRAPHIQL ?? !production,
    security: {
      apiKeys: env.GATEWAY_API_KEYS,
      jwt,
      introspection: env.GRAPHQL_INTROSPECTION ?? !production,
      exposeLimits: !production,
      corsOrigins: env.CORS_ORIGINS.length > 0 ? env.CORS_ORIGINS : production ? [] : ['*'],
      trustProxy: env.TRUST_PROXY ?? false,
      limits: {
        maxDepth: env.MAX_DEPTH,
        maxAliases: env.MAX_ALIASES,
        maxTokens: env.MAX_TOKENS,
        maxDirectives: env.MAX_DIRECTIVES,
        maxCost: env.MAX_COST,
        maxRequestBytes: env.MAX_REQUEST_BYTES,
      },
      clientRateLimitPerSecond: env.CLIENT_RATE_LIMIT_PER_SECOND,
    },
    responseCacheTtlMs: env.RESPONSE_CACHE_TTL_MS,
    cursorSecret: env.CURSOR_SECRET ?? secretFromProviderKeys(providers),
    redis:
      env.REDIS_URL === undefined
        ? undefined
        : { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX, expectedReplicas: env.EXPECTED_REPLICAS },
    events: {
      webhookMaxBodyBytes: env.WEBHOOK_MAX_BODY_BYTES,
      retention: { maxAgeMs: env.EVENT_RETENTION_MS, maxCount: env.EVENT_RETENTION_COUNT },
      maxSubscriptionsPerClient: env.MAX_SUBSCRIPTIONS_PER_CLIENT,
      subscriptionQueueMax: env.SUBSCRIPTION_QUEUE_MAX,
      keepAliveMs: env.SUBSCRIPTION_KEEP_ALIVE_MS,
    },
    tracesEndpoint:
      env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
      (env.OTEL_EXPORTER_OTLP_ENDPOINT === undefined
        ? undefined
        : `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`),
  };
}

/**
 * A provider's variables, under its prefix; null when its key is unset (the provider is then not called). The
 * names are the module's, so a provider added to the registry is configured like the others.
 */
function readProviderConfig(module: ProviderModule, source: Record<string, string | undefined>) {
  const { prefix, defaults, settings } = module.environment;
  const common = z.object({
    [`${prefix}_API_KEY`]: optionalSecret,
    [`${prefix}_BASE_URL`]: url(defaults.baseUrl),
    [`${prefix}_RATE_LIMIT_PER_SECOND`]: positiveInt(defaults.rateLimitPerSecond, 10_000),
    [`${prefix}_MAX_CONCURRENCY`]: positiveInt(defaults.maxConcurrency, 256),
    [`${prefix}_CACHE_FRESH_MS`]: nonNegativeInt(2000, 3_600_000),
    [`${prefix}_POLL_INTERVAL_MS`]: nonNegativeInt(defaults.pollIntervalMs, 86_400_000),
  });
  const schema = settings === undefined ? common : common.extend(settings.shape);
  return schema
    .transform((values: Record<string, unknown>) => {
      const read = (name: string) => values[`${prefix}_${name}`];
      const apiKey = read('API_KEY');
      if (typeof apiKey !== 'string') return null;
      const own = Object.fromEntries(
        Object.keys(settings?.shape ?? {}).map((name) => [name, values[name]] as const),
      );
      const interval = Number(read('POLL_INTERVAL_MS'));
      return {
        provider: module.provider,
        apiKey,
        baseUrl: String(read('BASE_URL')),
        rateLimitPerSecond: Number(read('RATE_LIMIT_PER_SECOND')),
        maxConcurrency: Number(read('MAX_CONCURRENCY')),
        freshMs: Number(read('CACHE_FRESH_MS')),
        pollIntervalMs: module.environment.pollIntervalMs?.(interval, own) ?? interval,
        settings: own,
      };
    })
    .safeParse(source);
}

/**
 * Without CURSOR_SECRET, cursors are signed with a secret derived from the provider keys: replicas holding the
 * same keys accept each other's cursors, and no client knows it. Rotating a provider key invalidates cursors.
 */
function secretFromProviderKeys(providers: readonly ProviderConfig[]): string {
  const hash = createHash('sha256').update('campaign-gateway cursor secret');
  for (const { provider, apiKey } of providers) hash.update(`\u0000${provider}\u0000${apiKey}`);
  return hash.digest('base64url');
}

/** The stale bounds are shared by the providers and never shorter than the freshness itself. */
function freshness(freshMs: number, env: Environment): FreshnessPolicy {
  const staleWhileRevalidateMs = Math.max(freshMs, env.UPSTREAM_CACHE_STALE_WHILE_REVALIDATE_MS);
  return {
    freshMs,
    staleWhileRevalidateMs,
    staleIfErrorMs: Math.max(staleWhileRevalidateMs, env.UPSTREAM_CACHE_STALE_IF_ERROR_MS),
  };
}

/** JWT settings come as a set: a key set without an issuer and an audience would accept tokens minted for anyone. */
function jwtConfig(env: Environment): JwtConfig | undefined {
  const { JWT_JWKS_URL: jwksUrl, JWT_ISSUER: issuer, JWT_AUDIENCE: audience } = env;
  if (jwksUrl === undefined) {
    if (issuer !== undefined || audience !== undefined) {
      throw new ConfigError(
        'Invalid configuration:\n  JWT_JWKS_URL: must be set with JWT_ISSUER and JWT_AUDIENCE',
      );
    }
    return undefined;
  }
  const missing = [
    issuer === undefined ? 'JWT_ISSUER' : null,
    audience === undefined ? 'JWT_AUDIENCE' : null,
  ].filter((name) => name !== null);
  if (issuer === undefined || audience === undefined) {
    throw new ConfigError(
      `Invalid configuration:\n${missing.map((name) => `  ${name}: must be set with JWT_JWKS_URL`).join('\n')}`,
    );
  }
  return {
    jwksUrl,
    issuer,
    audience,
    algorithms: env.JWT_ALGORITHMS,
    clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE_S,
  };
}
