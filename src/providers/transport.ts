import type { ProviderConfig } from '../config.js';
import { UpstreamClient, type UpstreamClientOptions } from '../http/upstreamClient.js';
import type { ProviderDependencies } from './provider.js';

/**
 * A provider's transport from its configuration and the process-wide dependencies. The provider adds only
 * what is its own: how it authenticates, and where its error bodies hint at a retry.
 */
export function createTransport(
  config: ProviderConfig,
  dependencies: ProviderDependencies,
  own: Pick<UpstreamClientOptions, 'authorize' | 'retryAfterFromBody'>,
): UpstreamClient {
  const { dispatcher, retry, breaker, onBreakerChange, observer, sharedRateLimit, timeoutMs, maxBodyBytes } =
    dependencies;
  return new UpstreamClient({
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
  });
}
