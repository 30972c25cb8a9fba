import type { CampaignFilter } from '../../../src/domain/campaign.js';
import { descendingDecimal } from '../../../src/pagination/order.js';
import { expressible } from '../../../src/providers/planning.js';
import type { ProviderModule } from '../../../src/providers/provider.js';
import { ListingClient, type StreamsFor } from '../../../src/providers/session.js';
import { alignedPageSize } from '../../../src/providers/transport.js';
import { PageNumberedStream } from '../../../src/streams/pageNumberedStream.js';
import { NIMBUS } from './campaign.js';
import { NimbusHttp, type NimbusListQuery, type NimbusListResult } from './client.js';
import { defineNimbusType } from './graphql.js';
import { domainStatusToNimbus, NIMBUS_CHANNEL } from './mapping.js';

// A provider that lives only in the tests: it proves that a folder and a registry entry are all a provider
// needs (issue 14). Nothing in src/ names it.

/**
 * Nimbus lists newest first; campaigns created in the same second come by id, highest number first (its
 * ids are integers of any length, so 10 comes before 9). The exactly-once guarantee at a tie rests on this.
 */
const NIMBUS_TIE_ORDER = descendingDecimal;

/** Nimbus ids are positive integers that fit a double exactly; anything else costs no call. */
const ID_PATTERN = /^[1-9]\d{0,14}$/;

type StreamQuery = Pick<NimbusListQuery, 'status'>;

/**
 * The upstream queries a filter needs: Nimbus takes one state per request, so several statuses become one
 * stream each. It has no channel parameter because every campaign it has is a voice campaign: a channel
 * filter keeps it whole when it includes VOICE and excludes it otherwise. It knows no agents and no
 * archive, and its list has no createdAt bounds, so a filter on agents or on dates excludes it.
 */
export function planNimbusQueries(filter: CampaignFilter): StreamQuery[] {
  if (filter.providers !== null && !filter.providers.includes(NIMBUS)) return [];
  if (filter.agentId !== null) return [];
  if (filter.createdAfter !== null || filter.createdBefore !== null) return [];
  if (filter.channels !== null && !filter.channels.includes(NIMBUS_CHANNEL)) return [];
  return expressible(filter.status, domainStatusToNimbus).map((status) => ({ status }));
}

/** Its streams over one request's page loader: one page-numbered stream per state the filter needs. */
function nimbusStreams(pageSize: number | undefined): StreamsFor<NimbusListQuery, NimbusListResult> {
  return (filter, list) =>
    planNimbusQueries(filter).map(
      (query) =>
        new PageNumberedStream({
          key: `${NIMBUS} ${JSON.stringify(query)}`,
          alignedPageSize: pageSize,
          provider: NIMBUS,
          idOrder: NIMBUS_TIE_ORDER,
          // No createdAt bounds at Nimbus: the stream finds a moved boundary by widening its window instead.
          keyset: null,
          // The stream thinks in pages; Nimbus in offsets, and a page is just an offset a multiple of its size.
          fetchPage: (call) =>
            list({
              ...query,
              offset: (call.page - 1) * call.pageSize,
              limit: call.pageSize,
              ...(call.now === true ? { now: true } : {}),
            }),
        }),
    );
}

export const nimbus: ProviderModule = {
  provider: NIMBUS,
  label: 'Nimbus',
  typeName: 'NimbusCampaign',
  environment: {
    prefix: 'NIMBUS',
    defaults: {
      baseUrl: 'https://api.nimbus.invalid/v2',
      rateLimitPerSecond: 20,
      maxConcurrency: 8,
      // It sends no webhooks: polling is how the gateway would learn of its changes.
      pollIntervalMs: 10_000,
    },
  },
  docs: {
    statuses: 'Nimbus: draft -> PENDING, live -> RUNNING, on_hold -> PAUSED, done -> COMPLETED.',
    channels: 'Nimbus campaigns are all VOICE.',
    exampleFields: 'owner priority',
  },
  parseId: (raw) => (ID_PATTERN.test(raw) ? raw : null),
  defineGraphQLType: defineNimbusType,
  createClient: (config, dependencies) =>
    new ListingClient(
      NIMBUS,
      new NimbusHttp(config, dependencies),
      nimbusStreams(alignedPageSize(config, dependencies)),
    ),
};
