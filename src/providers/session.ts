import type { Campaign, CampaignFilter, Provider } from '../domain/campaign.js';
import type { BreakerState } from '../http/resilience.js';
import type { CampaignStream } from '../streams/stream.js';
import { createLookupLoader, createRequestLoader, ListedCampaigns } from './loaders.js';
import type { ProviderClient, ProviderSession, RequestScope } from './provider.js';

/** What a provider's HTTP code offers: list pages by its own query, single lookups, and its health. */
export interface ProviderHttp<Query, Page extends { entries: readonly (Campaign | null)[] }> {
  list(query: Query, scope: RequestScope): Promise<Page>;
  /** Null when the provider has no such campaign. */
  get(providerId: string, scope: RequestScope): Promise<Campaign | null>;
  readonly breakerState: BreakerState;
  close(): Promise<void>;
}

/**
 * The streams a filter needs, reading pages through `list` (one request's loader: identical queries are one
 * call). Pure: nothing is read until a stream is.
 */
export type StreamsFor<Query, Page> = (
  filter: CampaignFilter,
  list: (query: Query) => Promise<Page>,
) => CampaignStream[];

/**
 * The one client every provider uses: a provider brings its HTTP code and how a filter becomes streams; the
 * per-request loaders (lists deduped, lookups answered from what the request's lists returned) are shared.
 */
export class ListingClient<Query, Page extends { entries: readonly (Campaign | null)[] }>
  implements ProviderClient
{
  constructor(
    readonly provider: Provider,
    private readonly http: ProviderHttp<Query, Page>,
    private readonly streamsFor: StreamsFor<Query, Page>,
  ) {}

  get breakerState(): BreakerState {
    return this.http.breakerState;
  }

  openSession(scope: RequestScope): ProviderSession {
    const { http, streamsFor, provider } = this;
    const listed = new ListedCampaigns();
    const lookups = createLookupLoader((id) => listed.lookup(id, (missing) => http.get(missing, scope)));
    const pages = createRequestLoader((query: Query) => listed.track(http.list(query, scope)));
    return {
      provider,
      load: (providerId) => lookups.load(providerId),
      streams: (filter) => streamsFor(filter, (query) => pages.load(query)),
    };
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
