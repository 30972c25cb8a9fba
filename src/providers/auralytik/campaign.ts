import type { Campaign } from '../../domain/campaign.js';

export const AURALYTIK_CAMPAIGN_TYPES = ['VOICE_BOT', 'FLOW', 'UNKNOWN'] as const;
export type AuralytikCampaignType = (typeof AURALYTIK_CAMPAIGN_TYPES)[number];

export interface AuralytikCampaign extends Campaign {
  provider: 'AURALYTIK';
  type: AuralytikCampaignType;
  channelType: string | null;
  startDate: Date | null;
  endDate: Date | null;
}
