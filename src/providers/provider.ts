import type { Dispatcher } from 'undici';
import type { UpstreamCache } from '../cache/upstreamCache.js';
import type { ProviderConfig } from '../config.js';
import type { Campaign, CampaignFilter, Provider } from '../domain/campaign.js';
import type { BreakerOptions, BreakerState, RetryOptions } from '../http/resilience.js';
import type { SharedRateLimit } from '../http/upstreamClient.js';
import type { UpstreamObserver } from '../observability/upstreamObserver.js';
import type { CampaignStream } from '../streams/stream.js';
import type { ItemIssue } from './types.js';

/** What one GraphQL request carries down to the providers. */
export interface RequestScope {
  signal: AbortSignal | undefined;
  requestId: string;
  /** Epoch ms: no upstream attempt starts, and no retry waits, past this. */
  deadline: number;
  /** Invalid items a provider skipped while serving this request; reported as GraphQL errors. */
  reportIssues(issues: readonly ItemIssue[]): void;
  /** A cache answered for the provider with data this old (ms), past its freshness. */
  noteStale(provider: Provider, ageMs: number): void;
}

/** A provider's view of one GraphQL request: its loaders dedupe and cache within that request only. */
export interface ProviderSession {
  readonly provider: Provider;
  /** Null when the provider has no such campaign. */
  load(providerId: string): Promise<Campaign | null>;
  /** The streams this filter needs; empty when the filter excludes the provider. Pure: no I/O. */
  streams(filter: CampaignFilter): CampaignStream[];
}

export interface ProviderClient {
  readonly provider: Provider;
  /** The circuit breaker's state: `open` means the provider is not being called for now. */
  readonly breakerState: BreakerState;
  openSession(scope: RequestScope): ProviderSession;
  close(): Promise<void>;
}

export interface ProviderDependencies {
  timeoutMs: number;
  maxBodyBytes: number;
  dispatcher?: Dispatcher;
  retry?: RetryOptions;
  breaker?: BreakerOptions;
  onBreakerChange?: (provider: Provider, state: BreakerState) => void;
  observer?: UpstreamObserver;
  /** The shared upstream cache; its absence means every read goes to the provider. */
  cache?: UpstreamCache;
  /** The cluster-wide limit for a provider, when replicas share one (Redis). */
  sharedRateLimit?: (provider: Provider, limitPerSecond: number) => SharedRateLimit;
}

/** Everything the gateway knows about a provider; the registry lists one per provider. */
export interface ProviderModule {
  readonly provider: Provider;
  /** The GraphQL object type of its campaigns, also the prefix of their global ids. */
  readonly typeName: string;
  /** Null when `raw` cannot be one of this provider's ids, so no call is made for it. */
  parseId(raw: string): string | null;
  createClient(config: ProviderConfig, dependencies: ProviderDependencies): ProviderClient;
}
