import type { Campaign, CampaignFilter } from '../domain/campaign.js';
import type { CampaignEvent } from './types.js';

/**
 * Whether an event belongs to a `campaigns` filter. Provider and status are read from the event itself; the
 * other criteria need the campaign, loaded only when the filter uses them (and for Altur, whose archived
 * campaigns `campaigns` leaves out unless `includeArchived`). A campaign that cannot be loaded (deleted, provider
 * down) is judged on the event's own fields: a subscriber may get an event too many, never miss one.
 */
export async function eventMatches(
  filter: CampaignFilter,
  event: CampaignEvent,
  load: () => Promise<Campaign | null>,
): Promise<boolean> {
  if (filter.providers !== null && !filter.providers.includes(event.provider)) return false;
  if (filter.status !== null && (event.status === null || !filter.status.includes(event.status)))
    return false;
  if (!needsCampaign(filter, event)) return true;
  const campaign = await load();
  if (campaign === null) return true;
  return campaignMatches(filter, campaign);
}

function needsCampaign(filter: CampaignFilter, event: CampaignEvent): boolean {
  return (
    filter.channels !== null ||
    filter.createdAfter !== null ||
    filter.createdBefore !== null ||
    filter.agentId !== null ||
    (!filter.includeArchived && event.provider === 'ALTUR')
  );
}

function campaignMatches(filter: CampaignFilter, campaign: Campaign): boolean {
  if (filter.channels !== null && (campaign.channel === null || !filter.channels.includes(campaign.channel)))
    return false;
  if (filter.createdAfter !== null && campaign.createdAt < filter.createdAfter) return false;
  if (filter.createdBefore !== null && campaign.createdAt > filter.createdBefore) return false;
  if (filter.agentId !== null && (campaign.provider !== 'ALTUR' || campaign.agent?.id !== filter.agentId))
    return false;
  if (!filter.includeArchived && campaign.provider === 'ALTUR' && campaign.archived) return false;
  return true;
}
