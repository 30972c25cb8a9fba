import DataLoader from 'dataloader';
import type { Campaign } from '../domain/campaign.js';

/**
 * Lookups by id for one GraphQL request. Neither provider has a batch endpoint, so a batch is parallel single
 * lookups; the provider's transport bounds their rate. A failed id fails alone.
 */
export function createLookupLoader(
  fetchOne: (providerId: string) => Promise<Campaign | null>,
): DataLoader<string, Campaign | null> {
  return new DataLoader<string, Campaign | null>((ids) =>
    Promise.all(ids.map((id) => fetchOne(id).catch((error: unknown) => toError(error)))),
  );
}

/**
 * Identical upstream requests within one GraphQL request are made once: requests are the same when their JSON
 * is. No batching: each request is its own call.
 */
export function createRequestLoader<K, T>(fetch: (request: K) => Promise<T>): DataLoader<K, T, string> {
  return new DataLoader<K, T, string>(
    (requests) =>
      Promise.all(requests.map((request) => fetch(request).catch((error: unknown) => toError(error)))),
    { batch: false, cacheKeyFn: (request) => JSON.stringify(request) },
  );
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * What the lists of one GraphQL request returned. Root fields resolve in parallel, so a lookup of a campaign
 * that a sibling `campaigns` field is listing would otherwise race it: lookups wait for the lists in flight
 * and take a listed campaign instead of calling the provider. The pages are indexed by id only when the
 * first lookup comes: most requests list without looking up, and indexing every page's campaigns up front
 * was 0.8 % of the gateway's CPU under merged varied traffic.
 */
export class ListedCampaigns {
  /** The answered pages' entries, in the order they answered, until a lookup indexes them. */
  private answered: (readonly (Campaign | null)[])[] = [];
  private byId: Map<string, Campaign> | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();

  /** Records a list request and, once it answers, the campaigns it returned. */
  track<T extends { entries: readonly (Campaign | null)[] }>(request: Promise<T>): Promise<T> {
    const tracked = request.then((page) => {
      if (this.byId === undefined) this.answered.push(page.entries);
      else index(this.byId, page.entries);
      return page;
    });
    const settled = tracked.catch(() => undefined);
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    return tracked;
  }

  /** The listed campaign if any list of this request has it, otherwise the provider's answer. */
  async lookup(providerId: string, fetch: (providerId: string) => Promise<Campaign | null>) {
    if (this.inFlight.size > 0) await Promise.all(this.inFlight);
    return this.indexed().get(providerId) ?? fetch(providerId);
  }

  private indexed(): Map<string, Campaign> {
    if (this.byId === undefined) {
      const byId = new Map<string, Campaign>();
      for (const entries of this.answered) index(byId, entries);
      this.byId = byId;
      this.answered = [];
    }
    return this.byId;
  }
}

/** A later page's campaign replaces an earlier one's: the newer answer wins. */
function index(byId: Map<string, Campaign>, entries: readonly (Campaign | null)[]): void {
  for (const campaign of entries) {
    if (campaign !== null) byId.set(campaign.providerId, campaign);
  }
}
