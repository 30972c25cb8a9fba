import type { ProviderConfig } from '../../../src/config.js';
import type { ItemIssue } from '../../../src/domain/itemIssue.js';
import { UpstreamBadResponseError } from '../../../src/errors.js';
import { mapListEntries, memoByBody } from '../../../src/providers/listMapping.js';
import type { ProviderDependencies, RequestScope } from '../../../src/providers/provider.js';
import { createTransport, type ProviderTransport } from '../../../src/providers/transport.js';
import { NIMBUS, type NimbusCampaign } from './campaign.js';
import { mapNimbusItem } from './mapping.js';
import { nimbusRetryAfterSeconds, parseNimbusDetail, parseNimbusList } from './schemas.js';

export interface NimbusListQuery {
  status?: string | undefined;
  offset: number;
  limit: number;
  /** A snapshot taken now: no cached answer. */
  now?: true | undefined;
}

export interface NimbusListResult {
  totalCount: number;
  /** One slot per item Nimbus sent, null where the item failed validation (reported, not shown). */
  entries: (NimbusCampaign | null)[];
  /** Why each null entry was skipped; the stream carries them to the response's errors. */
  issues: readonly ItemIssue[];
}

/** Nimbus takes its key in a header of its own, not as a bearer token. */
export const NIMBUS_KEY_HEADER = 'x-nimbus-key';

export function nimbusKeyAuth(apiKey: string) {
  return (headers: Record<string, string>) => {
    headers[NIMBUS_KEY_HEADER] = apiKey;
  };
}

export class NimbusHttp {
  private readonly http: ProviderTransport;

  constructor(config: ProviderConfig, dependencies: ProviderDependencies) {
    this.http = createTransport(config, dependencies, {
      authorize: nimbusKeyAuth(config.apiKey),
      retryAfterFromBody: nimbusRetryAfterSeconds,
    });
  }

  async list(query: NimbusListQuery, scope: RequestScope): Promise<NimbusListResult> {
    const params = { status: query.status, offset: String(query.offset), limit: String(query.limit) };
    const result = await this.http.getJson(
      '/items',
      params,
      query.now === true ? { ...scope, maxAgeMs: 0 } : scope,
    );
    if (!result.found)
      throw new UpstreamBadResponseError(NIMBUS, 'answered the campaign list with HTTP 404.');
    const { total, entries, issues } = readList(result.body);
    return { totalCount: total, entries, issues };
  }

  async get(providerId: string, scope: RequestScope): Promise<NimbusCampaign | null> {
    const result = await this.http.getJson(`/items/${encodeURIComponent(providerId)}`, {}, scope);
    if (!result.found) return null;
    const mapped = readDetail(result.body);
    if (!mapped.ok) {
      throw new UpstreamBadResponseError(
        NIMBUS,
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

const readList = memoByBody((body) => {
  const page = parseNimbusList(body);
  return { total: page.total, ...mapListEntries(page.items, mapNimbusItem, 'items') };
});

const readDetail = memoByBody((body) => mapNimbusItem(parseNimbusDetail(body)));
