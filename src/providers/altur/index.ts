import { z } from 'zod';
import type { CampaignFilter } from '../../domain/campaign.js';
import { descendingDecimal } from '../../pagination/order.js';
import { CursorStream } from '../../streams/cursorStream.js';
import { expressible } from '../planning.js';
import type { ProviderModule } from '../provider.js';
import { ListingClient, type StreamsFor } from '../session.js';
import { alignedPageSize } from '../transport.js';
import type { AlturCampaign } from './campaign.js';
import { AlturHttp, type AlturListFilter, type AlturListQuery, type AlturListResult } from './client.js';
import { defineAlturType } from './graphql.js';
import { domainChannelToAlturIntegration, domainStatusToAltur } from './mapping.js';
import {
  ALTUR_SIGNATURE_HEADER,
  decodeAlturWebhookSecret,
  parseAlturDelivery,
  verifyAlturSignature,
} from './webhooks.js';

/**
 * Altur lists newest first; campaigns created in the same second come by id, highest first (what the
 * simulator, modelled on the seed's examples, does; the docs say nothing). Our cursors' exactly-once
 * guarantee at a tie rests on this order, so it lives here and only here.
 */
const ALTUR_TIE_ORDER = descendingDecimal;

/** Altur ids are integers; anything else cannot exist there, so it costs no call. */
const ID_PATTERN = /^[1-9]\d{0,17}$/;

/** Altur needs both date bounds together; an open bound becomes an instant no campaign can pass. */
const FAR_PAST = '1970-01-01T00:00:00.000Z';
const FAR_FUTURE = '9999-12-31T23:59:59.999Z';

/**
 * The upstream queries a filter needs: Altur takes one status and one integration per request, so a filter
 * with several becomes one stream per combination. Campaigns read through an integration filter carry that
 * channel; without one their channel is unknown.
 */
export function planAlturQueries(filter: CampaignFilter): AlturListFilter[] {
  if (filter.providers !== null && !filter.providers.includes('ALTUR')) return [];
  const statuses = expressible(filter.status, domainStatusToAltur);
  const integrations = expressible(filter.channels, domainChannelToAlturIntegration);
  const bounded = filter.createdAfter !== null || filter.createdBefore !== null;
  const common: AlturListFilter = {
    agent_id: filter.agentId ?? undefined,
    startDate: bounded ? (filter.createdAfter?.toISOString() ?? FAR_PAST) : undefined,
    endDate: bounded ? (filter.createdBefore?.toISOString() ?? FAR_FUTURE) : undefined,
    archived: filter.includeArchived ? 'true' : undefined,
  };
  return statuses.flatMap((status) =>
    integrations.map((integration) => ({ ...common, status, integration })),
  );
}

/** Its streams over one request's page loader: one cursor stream per upstream query the filter needs. */
function alturStreams(pageSize: number | undefined): StreamsFor<AlturListQuery, AlturListResult> {
  return (filter, list) =>
    planAlturQueries(filter).map(
      (query) =>
        new CursorStream({
          key: `ALTUR ${JSON.stringify(query)}`,
          alignedPageSize: pageSize,
          provider: 'ALTUR',
          idOrder: ALTUR_TIE_ORDER,
          fetchPage: (call) => list({ filter: query, call }),
        }),
    );
}

const settings = z.object({
  ALTUR_WEBHOOK_SECRET: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9+/_-]{16,}={0,2}$/, {
        error: 'must be the base64 secret Altur shows (16+ characters)',
      })
      .optional(),
  ),
});
const webhookSecretOf = (config: { settings: Record<string, unknown> }) =>
  settings.shape.ALTUR_WEBHOOK_SECRET.parse(config.settings.ALTUR_WEBHOOK_SECRET);

export const altur: ProviderModule = {
  provider: 'ALTUR',
  label: 'Altur',
  typeName: 'AlturCampaign',
  environment: {
    prefix: 'ALTUR',
    defaults: {
      baseUrl: 'https://api.altur.io/api/v1.0',
      rateLimitPerSecond: 12,
      maxConcurrency: 8,
      pollIntervalMs: 0,
    },
    settings,
    // Polled only on request and only without webhooks: with them Altur pushes its changes.
    pollIntervalMs: (configured, own) => (webhookSecretOf({ settings: own }) === undefined ? configured : 0),
  },
  docs: {
    statuses: `Altur: pending -> PENDING, ready -> READY, active -> RUNNING, inactive -> PAUSED,
cooldown -> COOLDOWN, finished -> COMPLETED.`,
    channels: 'Altur integration phone_call -> VOICE, whatsapp -> WHATSAPP.',
    exampleFields: 'agent { name } timezone archived',
  },
  parseId: (raw) => (ID_PATTERN.test(raw) ? raw : null),
  createClient: (config, dependencies) =>
    new ListingClient(
      'ALTUR',
      new AlturHttp(config, dependencies),
      alturStreams(alignedPageSize(config, dependencies)),
    ),
  defineGraphQLType: defineAlturType,
  filterCriteria: {
    // Archived campaigns are left out of `campaigns` unless asked for, and an event does not say archived.
    needsCampaign: (filter) => filter.agentId !== null || !filter.includeArchived,
    matches: (campaign, filter) => {
      const own = campaign as AlturCampaign;
      if (filter.agentId !== null && own.agent?.id !== filter.agentId) return false;
      return filter.includeArchived || !own.archived;
    },
  },
  webhook: (config) => {
    const secret = webhookSecretOf(config);
    const key = secret === undefined ? null : decodeAlturWebhookSecret(secret);
    if (key === null) return null;
    return {
      path: '/webhooks/altur',
      verify: (raw, request) => verifyAlturSignature(raw, request.headers.get(ALTUR_SIGNATURE_HEADER), key),
      parse: parseAlturDelivery,
    };
  },
};
