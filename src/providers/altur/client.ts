import type { ProviderConfig } from '../../config.js';
import type { CampaignChannel } from '../../domain/campaign.js';
import { UpstreamBadResponseError } from '../../errors.js';
import { deferredValuesOf } from '../../http/deferredMembers.js';
import { takeBody } from '../../http/handOver.js';
import { mapListEntries, memoByBody } from '../listMapping.js';
import type { ProviderDependencies, RequestScope } from '../provider.js';
import { createTransport, type ProviderTransport } from '../transport.js';
import type { ItemIssue } from '../types.js';
import type { AlturCampaign } from './campaign.js';
import { ALTUR_DEFERRED_MEMBER, alturIntegrationToChannel, mapAlturDetail, mapAlturItem } from './mapping.js';
import { parseAlturDetail, parseAlturList } from './schemas.js';

/** The list filters Altur takes, as sent (the seed's spelling, e.g. `agent_id`). */
export interface AlturListFilter {
  agent_id?: string | undefined;
  status?: string | undefined;
  integration?: string | undefined;
  startDate?: string | undefined;
  endDate?: string | undefined;
  archived?: 'true' | undefined;
}

export interface AlturPageCall {
  cursor: string | null;
  direction: 'next' | 'previous';
  pageSize: number;
}

/** One list request: the upstream query and where to read it. */
export interface AlturListQuery {
  filter: AlturListFilter;
  call: AlturPageCall;
}

export interface AlturListResult {
  totalCount: number | null;
  /** One slot per item the provider sent, null where the item failed validation (reported, not shown). */
  entries: (AlturCampaign | null)[];
  hasMore: boolean;
  hasPrevious: boolean;
  nextCursor: string | null;
  previousCursor: string | null;
  /** Why each null entry was skipped. */
  issues: readonly ItemIssue[];
}

export function apiKeyAuth(apiKey: string) {
  const value = `api-key ${apiKey}`;
  return (headers: Record<string, string>) => {
    headers.authorization = value;
  };
}

export class AlturHttp {
  private readonly http: ProviderTransport;

  constructor(config: ProviderConfig, dependencies: ProviderDependencies) {
    this.http = createTransport(config, dependencies, {
      authorize: apiKeyAuth(config.apiKey),
      deferredMember: ALTUR_DEFERRED_MEMBER,
    });
  }

  async list({ filter, call }: AlturListQuery, scope: RequestScope): Promise<AlturListResult> {
    const result = await this.http.getJson(
      '/campaigns',
      {
        ...filter,
        pageSize: String(call.pageSize),
        cursor: call.cursor ?? undefined,
        direction: call.direction === 'next' ? undefined : 'previous',
      },
      scope,
    );
    if (!result.found) {
      throw new UpstreamBadResponseError('ALTUR', 'answered the campaign list with HTTP 404.');
    }
    const channel = filter.integration === undefined ? null : alturIntegrationToChannel(filter.integration);
    const { page, entries, issues } = readAlturList(takeBody(result), channel);
    // Not `...page`: its raw items would keep the whole parse tree alive for the rest of the request.
    const { totalCount, hasMore, hasPrevious, nextCursor, previousCursor } = page;
    return { totalCount, entries, hasMore, hasPrevious, nextCursor, previousCursor, issues };
  }

  async get(providerId: string, scope: RequestScope): Promise<AlturCampaign | null> {
    const result = await this.http.getJson(`/campaigns/${providerId}`, {}, scope);
    if (!result.found) return null;
    const mapped = readAlturDetail(takeBody(result));
    if (!mapped.ok) {
      throw new UpstreamBadResponseError(
        'ALTUR',
        `sent campaign ${providerId} with an invalid field \`${mapped.issue.field}\`: ${mapped.issue.message}`,
      );
    }
    return mapped.campaign;
  }

  get breakerState() {
    return this.http.breakerState;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

// The body of a coalesced GET comes from one URL, whose `integration` filter fixes the channel.
const readAlturList = memoByBody((body, channel: CampaignChannel | null) => {
  const page = parseAlturList(body);
  const deferred = deferredValuesOf(body);
  return {
    page,
    ...mapListEntries(page.items, (item) => mapAlturItem(item, channel, deferred), 'campaigns'),
  };
});

const readAlturDetail = memoByBody((body) =>
  mapAlturDetail(parseAlturDetail(body), null, deferredValuesOf(body)),
);
