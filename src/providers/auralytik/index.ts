import type { CampaignFilter } from '../../domain/campaign.js';
import { createLookupLoader, createRequestLoader, ListedCampaigns } from '../loaders.js';
import { expressible } from '../planning.js';
import type {
  CampaignStream,
  ProviderClient,
  ProviderModule,
  ProviderSession,
  RequestScope,
} from '../provider.js';
import { AuralytikHttp, type AuralytikListQuery, type AuralytikListResult } from './client.js';
import { domainChannelToAuralytik, domainStatusToAuralytik } from './mapping.js';
import { PageNumberedStream } from './stream.js';

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

type StreamFilter = Omit<AuralytikListQuery, 'page' | 'pageSize'>;

/**
 * The upstream queries a filter needs: Auralytik takes one status and one channel per request, so a filter
 * with several becomes one stream per combination. A value Auralytik cannot express drops that value; when
 * nothing is left, or the filter needs something Auralytik lacks (agents), there are no streams at all.
 */
export function planAuralytikQueries(filter: CampaignFilter): StreamFilter[] {
  if (filter.providers !== null && !filter.providers.includes('AURALYTIK')) return [];
  if (filter.agentId !== null) return [];
  const statuses = expressible(filter.status, domainStatusToAuralytik);
  const channels = expressible(filter.channels, domainChannelToAuralytik);
  const dateFrom = filter.createdAfter?.toISOString();
  const dateTo = filter.createdBefore?.toISOString();
  return statuses.flatMap((status) =>
    channels.map((channelType) => ({ status, channelType, dateFrom, dateTo })),
  );
}

class AuralytikSession implements ProviderSession {
  readonly provider = 'AURALYTIK';
  private readonly listed = new ListedCampaigns();
  private readonly lookups;
  private readonly pages;

  constructor(
    private readonly http: AuralytikHttp,
    private readonly scope: RequestScope,
  ) {
    this.lookups = createLookupLoader((id) =>
      this.listed.lookup(id, (missing) => this.http.get(missing, this.scope)),
    );
    this.pages = createRequestLoader<AuralytikListResult>((key) =>
      this.listed.track(this.http.list(JSON.parse(key) as AuralytikListQuery, this.scope)),
    );
  }

  load(providerId: string) {
    return this.lookups.load(providerId);
  }

  streams(filter: CampaignFilter): CampaignStream[] {
    return planAuralytikQueries(filter).map((query) => {
      const key = `AURALYTIK ${JSON.stringify(query)}`;
      return new PageNumberedStream(key, 'AURALYTIK', (call) =>
        this.pages.load(JSON.stringify({ ...query, page: call.page, pageSize: call.pageSize })),
      );
    });
  }
}

class AuralytikClient implements ProviderClient {
  readonly provider = 'AURALYTIK';
  constructor(private readonly http: AuralytikHttp) {}

  get breakerState() {
    return this.http.breakerState;
  }

  openSession(scope: RequestScope): ProviderSession {
    return new AuralytikSession(this.http, scope);
  }

  close() {
    return this.http.close();
  }
}

export const auralytik: ProviderModule = {
  provider: 'AURALYTIK',
  parseId: (raw) => (ID_PATTERN.test(raw) ? raw : null),
  typeName: 'AuralytikCampaign',
  createClient: (config, dependencies) => new AuralytikClient(new AuralytikHttp(config, dependencies)),
};
