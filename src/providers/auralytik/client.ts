import type { ProviderConfig } from '../../config.js';
import { UpstreamBadResponseError } from '../../errors.js';
import { takeBody } from '../../http/handOver.js';
import type { QueryParams } from '../../http/upstreamClient.js';
import { mapListEntries, memoByBody } from '../listMapping.js';
import type { ProviderDependencies, RequestScope } from '../provider.js';
import { createTransport, type ProviderTransport } from '../transport.js';
import type { ItemIssue } from '../types.js';
import type { AuralytikCampaign } from './campaign.js';
import { mapAuralytikItem } from './mapping.js';
import { parseAuralytikDetail, parseAuralytikError, parseAuralytikList } from './schemas.js';

export interface AuralytikListQuery {
  status?: string | undefined;
  channelType?: string | undefined;
  dateFrom?: string | undefined;
  dateTo?: string | undefined;
  page: number;
  pageSize: number;
  /** A snapshot taken now: no cached answer. */
  now?: true | undefined;
}

export interface AuralytikListResult {
  totalCount: number;
  /** One slot per item the provider sent, null where the item failed validation (reported, not shown). */
  entries: (AuralytikCampaign | null)[];
  /** Why each null entry was skipped. */
  issues: readonly ItemIssue[];
}

/**
 * The provider documents `Authorization: Bearer`; newer docs describe an X-Api-Key scheme with request
 * signing. Swapping schemes means replacing this one function.
 */
export function bearerAuth(apiKey: string) {
  const value = `Bearer ${apiKey}`;
  return (headers: Record<string, string>) => {
    headers.authorization = value;
  };
}

export class AuralytikHttp {
  private readonly http: ProviderTransport;

  constructor(config: ProviderConfig, dependencies: ProviderDependencies) {
    this.http = createTransport(config, dependencies, {
      authorize: bearerAuth(config.apiKey),
      retryAfterFromBody: (body) => parseAuralytikError(body).retryAfterSeconds,
    });
  }

  async list(query: AuralytikListQuery, scope: RequestScope): Promise<AuralytikListResult> {
    const params: QueryParams = {
      status: query.status,
      channelType: query.channelType,
      dateFrom: query.dateFrom,
      dateTo: query.dateTo,
      page: String(query.page),
      pageSize: String(query.pageSize),
    };
    const result = await this.http.getJson(
      '/campaigns',
      params,
      query.now === true ? { ...scope, maxAgeMs: 0 } : scope,
    );
    if (!result.found) {
      throw new UpstreamBadResponseError('AURALYTIK', 'answered the campaign list with HTTP 404.');
    }
    const { page, entries, issues } = readAuralytikList(takeBody(result));
    return { totalCount: page.totalCount, entries, issues };
  }

  async get(providerId: string, scope: RequestScope): Promise<AuralytikCampaign | null> {
    const result = await this.http.getJson(`/campaigns/${encodeURIComponent(providerId)}`, {}, scope);
    if (!result.found) return null;
    const mapped = readAuralytikDetail(takeBody(result));
    if (!mapped.ok) {
      throw new UpstreamBadResponseError(
        'AURALYTIK',
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

const readAuralytikList = memoByBody((body) => {
  const page = parseAuralytikList(body);
  return { page, ...mapListEntries(page.items, mapAuralytikItem, 'data') };
});

const readAuralytikDetail = memoByBody((body) => mapAuralytikItem(parseAuralytikDetail(body)));
