/**
 * A provider's id, as the public `Provider` enum spells it (`ACME`). Which providers exist is the
 * registry's business (src/providers/registry.ts), not the domain's.
 */
export type Provider = string;

export const CAMPAIGN_STATUSES = [
  'PENDING',
  'READY',
  'RUNNING',
  'PAUSED',
  'COOLDOWN',
  'COMPLETED',
  'UNKNOWN',
] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const CAMPAIGN_CHANNELS = ['VOICE', 'WHATSAPP', 'OTHER'] as const;
export type CampaignChannel = (typeof CAMPAIGN_CHANNELS)[number];

/**
 * What every provider's campaigns have. A provider's own campaigns extend it with their own fields (see its
 * folder); the GraphQL type of each provider exposes those.
 */
export interface Campaign {
  provider: Provider;
  providerId: string;
  name: string;
  description: string | null;
  status: CampaignStatus;
  providerStatus: string;
  channel: CampaignChannel | null;
  createdAt: Date;
}

/** The public filter after defaults are applied; `null` means "not constrained". */
export interface CampaignFilter {
  providers: readonly Provider[] | null;
  status: readonly CampaignStatus[] | null;
  channels: readonly CampaignChannel[] | null;
  createdAfter: Date | null;
  createdBefore: Date | null;
  agentId: string | null;
  includeArchived: boolean;
}

export const EMPTY_FILTER: CampaignFilter = {
  providers: null,
  status: null,
  channels: null,
  createdAfter: null,
  createdBefore: null,
  agentId: null,
  includeArchived: false,
};
