import type { FreshnessPolicy, QueuedGetter, UpstreamCache } from '../cache/upstreamCache.js';
import type { ProviderConfig } from '../config.js';
import type { DeferredMember } from '../http/deferredMembers.js';
import type { BreakerState } from '../http/resilience.js';
import { type JsonGetter, UpstreamClient, type UpstreamClientOptions } from '../http/upstreamClient.js';
import { SHARED_PAGE_SIZE } from '../streams/stream.js';
import { mapTransportError } from './failures.js';
import type { ProviderDependencies } from './provider.js';

/** What a provider's HTTP code talks to: GETs (through the shared cache when there is one), and its health. */
export interface ProviderTransport extends JsonGetter {
  readonly breakerState: BreakerState;
  close(): Promise<void>;
}

/**
 * A provider's transport from its configuration and the process-wide dependencies. The provider adds only
 * what is its own: how it authenticates, where its error bodies hint at a retry, and which member of its
 * bodies is worth parsing only when read.
 */
export function createTransport(
  config: ProviderConfig,
  dependencies: ProviderDependencies,
  own: Pick<UpstreamClientOptions, 'authorize' | 'retryAfterFromBody' | 'deferredMember'>,
): ProviderTransport {
  const { dispatcher, retry, breaker, onBreakerChange, observer, sharedRateLimit, timeoutMs, maxBodyBytes } =
    dependencies;
  const client = new UpstreamClient({
    provider: config.provider,
    baseUrl: config.baseUrl,
    timeoutMs,
    maxBodyBytes,
    rateLimitPerSecond: config.rateLimitPerSecond,
    maxConcurrency: config.maxConcurrency,
    ...own,
    ...(dispatcher === undefined ? {} : { dispatcher }),
    ...(retry === undefined ? {} : { retry }),
    ...(breaker === undefined ? {} : { breaker }),
    ...(observer === undefined ? {} : { observer }),
    ...(sharedRateLimit === undefined
      ? {}
      : { sharedRateLimit: sharedRateLimit(config.provider, config.rateLimitPerSecond) }),
    onBreakerChange: (state) => onBreakerChange?.(config.provider, state),
    // The shared cache keeps bodies as bytes until they are read (`resultOf` in upstreamCache.ts).
    keepRawBodies: sharedCacheOf(config, dependencies) !== undefined,
  });
  const cached = cachedGetter(
    config,
    dependencies,
    clientErrors(config.provider, client),
    own.deferredMember,
  );
  return {
    getJson: (path, query, options) => cached.getJson(path, query, options),
    get breakerState() {
      return client.breakerState;
    },
    close: () => client.close(),
  };
}

/**
 * The provider boundary: below it failures are TransportErrors, above it the UpstreamErrors clients read. The
 * shared cache sits above it, so that its stale-if-error, like every other caller, sees one kind of failure
 * and its fakes in tests need not know the transport's.
 */
function clientErrors(provider: ProviderConfig['provider'], client: UpstreamClient): QueuedGetter {
  return {
    getJson: (path, query, options) =>
      client.getJson(path, query, options).catch((error: unknown) => {
        throw mapTransportError(provider, error);
      }),
    get queued() {
      return client.queued;
    },
  };
}

function cachedGetter(
  config: ProviderConfig,
  dependencies: ProviderDependencies,
  client: QueuedGetter,
  deferredMember: DeferredMember | undefined,
): JsonGetter {
  const shared = sharedCacheOf(config, dependencies);
  if (shared === undefined) return client;
  return shared.cache.forProvider(
    config.provider,
    config.apiKey,
    shared.policy,
    client,
    config.rateLimitPerSecond,
    deferredMember,
  );
}

/** The upstream page size the provider's streams should use: fixed when a shared cache is in front. */
export function alignedPageSize(
  config: ProviderConfig,
  dependencies: ProviderDependencies,
): number | undefined {
  return sharedCacheOf(config, dependencies) === undefined ? undefined : SHARED_PAGE_SIZE;
}

/** The shared cache the provider reads through, with its freshness: none without a cache or at freshMs 0. */
function sharedCacheOf(
  config: ProviderConfig,
  dependencies: ProviderDependencies,
): { cache: UpstreamCache; policy: FreshnessPolicy } | undefined {
  const { cache } = dependencies;
  const policy = config.freshness;
  if (cache === undefined || policy === undefined || policy.freshMs === 0) return undefined;
  return { cache, policy };
}
