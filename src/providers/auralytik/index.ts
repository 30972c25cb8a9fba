import type { CampaignFilter } from '../../domain/campaign.js';
import { descendingText } from '../../pagination/order.js';
import { KeysetTrust, type NumberedCall, PageNumberedStream } from '../../streams/pageNumberedStream.js';
import type { CampaignStream } from '../../streams/stream.js';
import { createLookupLoader, createRequestLoader, ListedCampaigns } from '../loaders.js';
import { expressible } from '../planning.js';
import type { ProviderClient, ProviderModule, ProviderSession, RequestScope } from '../provider.js';
import { alignedPageSize } from '../transport.js';
import { AuralytikHttp, type AuralytikListQuery, type AuralytikListResult } from './client.js';
import { defineAuralytikType } from './graphql.js';
import { domainChannelToAuralytik, domainStatusToAuralytik } from './mapping.js';

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Auralytik lists newest first; campaigns created at the same instant come by id in descending string order
 * (what the simulator does; the docs say nothing). Exactly-once paging at a tie rests on this order.
 */
const AURALYTIK_TIE_ORDER = descendingText;

/**
 * PROVIDER-NOTES assumes `dateFrom`/`dateTo` filter on createdAt and include the bound. The page-numbered
 * stream uses them only to find a walk's place again after the list moved, and checks every answer against
 * the bound: the first that breaks the assumption turns these reads off for the process (KeysetTrust), and
 * the stream scans offsets instead.
 */
function withCreatedAtBounds(query: StreamFilter, call: NumberedCall): StreamFilter {
  const bounded = { ...query };
  if (call.createdAtMost !== undefined) {
    const userBound = query.dateTo === undefined ? Number.POSITIVE_INFINITY : Date.parse(query.dateTo);
    bounded.dateTo = new Date(Math.min(userBound, call.createdAtMost)).toISOString();
  }
  if (call.createdAtLeast !== undefined) {
    const userBound = query.dateFrom === undefined ? Number.NEGATIVE_INFINITY : Date.parse(query.dateFrom);
    bounded.dateFrom = new Date(Math.max(userBound, call.createdAtLeast)).toISOString();
  }
  return bounded;
}

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
    private readonly pageSize: number | undefined,
    private readonly keyset: KeysetTrust,
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
      return new PageNumberedStream({
        key,
        alignedPageSize: this.pageSize,
        provider: 'AURALYTIK',
        idOrder: AURALYTIK_TIE_ORDER,
        keyset: this.keyset,
        fetchPage: (call) =>
          this.pages.load(
            JSON.stringify({
              ...withCreatedAtBounds(query, call),
              page: call.page,
              pageSize: call.pageSize,
              ...(call.now === true ? { now: true } : {}),
            }),
          ),
      });
    });
  }
}

class AuralytikClient implements ProviderClient {
  readonly provider = 'AURALYTIK';
  private readonly keyset = new KeysetTrust();
  constructor(
    private readonly http: AuralytikHttp,
    private readonly pageSize: number | undefined,
  ) {}

  get breakerState() {
    return this.http.breakerState;
  }

  openSession(scope: RequestScope): ProviderSession {
    return new AuralytikSession(this.http, scope, this.pageSize, this.keyset);
  }

  close() {
    return this.http.close();
  }
}

export const auralytik: ProviderModule = {
  provider: 'AURALYTIK',
  label: 'Auralytik',
  typeName: 'AuralytikCampaign',
  environment: {
    prefix: 'AURALYTIK',
    defaults: {
      baseUrl: 'https://api.auralytik.com/v1',
      rateLimitPerSecond: 50,
      maxConcurrency: 16,
      // No webhooks: polling is how the gateway learns of its changes.
      pollIntervalMs: 10_000,
    },
  },
  docs: {
    statuses: 'Auralytik: Running -> RUNNING, Paused -> PAUSED, Completed -> COMPLETED.',
    channels: 'Auralytik channelType Voice -> VOICE, WhatsApp -> WHATSAPP.',
    exampleFields: 'type channelType startDate endDate',
  },
  parseId: (raw) => (ID_PATTERN.test(raw) ? raw : null),
  defineGraphQLType: defineAuralytikType,
  createClient: (config, dependencies) =>
    new AuralytikClient(new AuralytikHttp(config, dependencies), alignedPageSize(config, dependencies)),
};
