import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import type { UpstreamCache } from '../cache/upstreamCache.js';
import type { ProviderConfig } from '../config.js';
import type { Campaign, CampaignFilter, Provider } from '../domain/campaign.js';
import type { WebhookDelivery } from '../events/webhookPlugin.js';
import type { BreakerOptions, BreakerState, RetryOptions } from '../http/resilience.js';
import type { SharedRateLimit } from '../http/resilientCalls.js';
import type { UpstreamObserver } from '../observability/upstreamObserver.js';
import type { GatewayBuilder } from '../schema/builder.js';
import type { CampaignInterfaceRef } from '../schema/campaign.js';
import type { CampaignStream } from '../streams/stream.js';

/** What one GraphQL request carries down to the providers. */
export interface RequestScope {
  signal: AbortSignal | undefined;
  requestId: string;
  /** Epoch ms: no upstream attempt starts, and no retry waits, past this. */
  deadline: number;
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

/** The environment a provider reads, under its prefix: `${prefix}_API_KEY`, `${prefix}_BASE_URL` … */
export interface ProviderEnvironment {
  /** `ACME` reads ACME_API_KEY, ACME_BASE_URL, ACME_RATE_LIMIT_PER_SECOND, ACME_MAX_CONCURRENCY, ACME_CACHE_FRESH_MS, ACME_POLL_INTERVAL_MS. */
  prefix: string;
  defaults: { baseUrl: string; rateLimitPerSecond: number; maxConcurrency: number; pollIntervalMs: number };
  /**
   * The provider's own variables beyond those, by name (e.g. a webhook secret); their parsed values reach it
   * as `ProviderConfig.settings`.
   */
  settings?: z.ZodObject;
  /** How often it is polled for changes, given its settings (a provider that pushes changes need not be). */
  pollIntervalMs?(configured: number, settings: Record<string, unknown>): number;
}

/** What a provider adds to the public schema's descriptions, so that they name no provider themselves. */
export interface ProviderDocs {
  /** How its statuses map onto CampaignStatus, e.g. `Acme: live -> RUNNING, stopped -> PAUSED.` */
  statuses: string;
  /** How its channels map onto CampaignChannel. */
  channels: string;
  /** The fields GraphiQL's example query selects on its campaign type. */
  exampleFields: string;
}

/** A signed webhook the provider sends. */
export interface ProviderWebhook {
  /** e.g. `/webhooks/acme`; only POST is served there. */
  path: string;
  /** Signature check over the raw body. */
  verify(raw: string, request: Request): boolean;
  parse(raw: string): WebhookDelivery;
}

/** Everything the gateway knows about a provider; the registry lists one per provider. */
export interface ProviderModule {
  readonly provider: Provider;
  /** How messages name it (`Acme: the request timed out`). */
  readonly label: string;
  /** The GraphQL object type of its campaigns, also the prefix of their global ids. */
  readonly typeName: string;
  readonly environment: ProviderEnvironment;
  readonly docs: ProviderDocs;
  /** Null when `raw` cannot be one of this provider's ids, so no call is made for it. */
  parseId(raw: string): string | null;
  createClient(config: ProviderConfig, dependencies: ProviderDependencies): ProviderClient;
  /** Registers its campaign object type, named `typeName` (this module's), and the types it needs. */
  defineGraphQLType(builder: GatewayBuilder, campaign: CampaignInterfaceRef, typeName: string): void;
  /**
   * The criteria of a `campaigns` filter that only this provider's campaigns carry (live events judge a
   * campaign by them). Absent: none.
   */
  filterCriteria?: ProviderFilterCriteria;
  /** Its webhook, when configured to receive one. */
  webhook?(config: ProviderConfig): ProviderWebhook | null;
}

export interface ProviderFilterCriteria {
  /** Whether judging an event under `filter` needs the campaign itself. */
  needsCampaign(filter: CampaignFilter): boolean;
  /** Whether one of its campaigns passes the criteria it owns. */
  matches(campaign: Campaign, filter: CampaignFilter): boolean;
}
