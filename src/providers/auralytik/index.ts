import type { CampaignFilter } from '../../domain/campaign.js';
import { descendingText } from '../../pagination/order.js';
import { KeysetTrust, type NumberedCall, PageNumberedStream } from '../../streams/pageNumberedStream.js';
import { expressible } from '../planning.js';
import type { ProviderModule } from '../provider.js';
import { ListingClient, type StreamsFor } from '../session.js';
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

/**
 * Its streams over one request's page loader: one page-numbered stream per upstream query the filter needs.
 * `keyset` is the client's, shared by every request: one broken bound turns keyset reads off for all.
 */
function auralytikStreams(
  pageSize: number | undefined,
  keyset: KeysetTrust,
): StreamsFor<AuralytikListQuery, AuralytikListResult> {
  return (filter, list) =>
    planAuralytikQueries(filter).map(
      (query) =>
        new PageNumberedStream({
          key: `AURALYTIK ${JSON.stringify(query)}`,
          alignedPageSize: pageSize,
          provider: 'AURALYTIK',
          idOrder: AURALYTIK_TIE_ORDER,
          keyset,
          fetchPage: (call) =>
            list({
              ...withCreatedAtBounds(query, call),
              page: call.page,
              pageSize: call.pageSize,
              ...(call.now === true ? { now: true } : {}),
            }),
        }),
    );
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
    new ListingClient(
      'AURALYTIK',
      new AuralytikHttp(config, dependencies),
      auralytikStreams(alignedPageSize(config, dependencies), new KeysetTrust()),
    ),
};
