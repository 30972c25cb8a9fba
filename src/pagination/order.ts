import type { Campaign, Provider } from '../domain/campaign.js';

/**
 * A campaign's place in the merged list. Every provider lists newest first; campaigns created at the same
 * instant are ordered by provider name, then by the provider's own tie order on its ids. That makes the merged
 * order total and independent of which upstream query (status, channel…) returned the campaign, so a campaign
 * that moves between queries mid-walk still has one place.
 */
export interface CampaignKey {
  readonly createdAtMs: number;
  readonly provider: Provider;
  readonly providerId: string;
}

/** The provider's order on two ids of campaigns created at the same instant: negative when `a` is listed first. */
export type IdOrder = (a: string, b: string) => number;

export function keyOf(campaign: Campaign): CampaignKey {
  return {
    createdAtMs: campaign.createdAt.getTime(),
    provider: campaign.provider,
    providerId: campaign.providerId,
  };
}

/**
 * Negative when `a` comes first in the merged (newest-first) order, 0 for the same campaign. `idOrder` is the
 * tie order of the provider the two keys share; it is not consulted when they differ.
 */
export function compareKeys(a: CampaignKey, b: CampaignKey, idOrder: IdOrder): number {
  if (a.createdAtMs !== b.createdAtMs) return a.createdAtMs > b.createdAtMs ? -1 : 1;
  if (a.provider !== b.provider) return a.provider < b.provider ? -1 : 1;
  return idOrder(a.providerId, b.providerId);
}

/** Ids listed in descending string order (what a sort on a string id column gives). */
export const descendingText: IdOrder = (a, b) => (a === b ? 0 : a < b ? 1 : -1);

/** Decimal ids listed in descending numeric order, for ids too long for a double. */
export const descendingDecimal: IdOrder = (a, b) => {
  if (a.length !== b.length) return b.length - a.length;
  return descendingText(a, b);
};

/**
 * Where a walk stands in the merged order: the key of the last campaign it showed. A read continues with the
 * campaigns strictly after it (forward) or strictly before it (backward), whatever offsets or upstream cursors
 * say, so campaigns created, deleted or moved between two pages are neither repeated nor skipped.
 */
export interface Boundary {
  readonly key: CampaignKey;
}

/** Whether `campaign` lies beyond `boundary` in the read's direction, i.e. is still to be shown. */
export function isBeyond(
  campaign: Campaign,
  boundary: Boundary,
  direction: 'forward' | 'backward',
  idOrder: IdOrder,
): boolean {
  const order = compareKeys(keyOf(campaign), boundary.key, idOrder);
  return direction === 'forward' ? order > 0 : order < 0;
}
