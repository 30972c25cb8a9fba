import type { Campaign, CampaignFilter } from '../domain/campaign.js';
import type { ProviderFilterCriteria } from '../providers/provider.js';
import type { CampaignEvent } from './types.js';

/**
 * Whether an event belongs to a `campaigns` filter. Provider and status are read from the event itself; the
 * other criteria need the campaign, loaded only when the filter uses them (or when the provider's own
 * criteria need it, as for campaigns `campaigns` leaves out by default). A campaign that cannot be loaded
 * (deleted, provider down) is judged on the event's own fields: a subscriber may get an event too many, never
 * miss one.
 */
export async function eventMatches(
  filter: CampaignFilter,
  event: CampaignEvent,
  load: () => Promise<Campaign | null>,
  /** The provider's own filter criteria; a provider without any is excluded by a filter on an agent. */
  criteria: ProviderFilterCriteria | undefined,
): Promise<boolean> {
  if (filter.providers !== null && !filter.providers.includes(event.provider)) return false;
  if (filter.status !== null && (event.status === null || !filter.status.includes(event.status)))
    return false;
  if (criteria === undefined && filter.agentId !== null) return false;
  if (!needsCampaign(filter, criteria)) return true;
  const campaign = await load();
  if (campaign === null) return true;
  return campaignMatches(filter, campaign, criteria);
}

function needsCampaign(filter: CampaignFilter, criteria: ProviderFilterCriteria | undefined): boolean {
  return (
    filter.channels !== null ||
    filter.createdAfter !== null ||
    filter.createdBefore !== null ||
    criteria?.needsCampaign(filter) === true
  );
}

function campaignMatches(
  filter: CampaignFilter,
  campaign: Campaign,
  criteria: ProviderFilterCriteria | undefined,
): boolean {
  if (filter.channels !== null && (campaign.channel === null || !filter.channels.includes(campaign.channel)))
    return false;
  if (filter.createdAfter !== null && campaign.createdAt < filter.createdAfter) return false;
  if (filter.createdBefore !== null && campaign.createdAt > filter.createdBefore) return false;
  return criteria?.matches(campaign, filter) ?? true;
}
