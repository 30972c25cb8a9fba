export const PROVIDERS = ['ALTUR', 'AURALYTIK'] as const;
export type Provider = (typeof PROVIDERS)[number];

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

export const AURALYTIK_CAMPAIGN_TYPES = ['VOICE_BOT', 'FLOW', 'UNKNOWN'] as const;
export type AuralytikCampaignType = (typeof AURALYTIK_CAMPAIGN_TYPES)[number];

export interface DaySchedule {
  active: boolean;
  startTime: string | null;
  endTime: string | null;
}

export interface WeeklySchedule {
  monday: DaySchedule | null;
  tuesday: DaySchedule | null;
  wednesday: DaySchedule | null;
  thursday: DaySchedule | null;
  friday: DaySchedule | null;
  saturday: DaySchedule | null;
  sunday: DaySchedule | null;
}

export interface CampaignCycle {
  enabled: boolean;
  maxIterations: number | null;
  cooldownMinutes: number | null;
  statusFilters: string[];
  tagFilters: string[];
  currentIteration: number | null;
  lastIterationAt: Date | null;
}

interface CampaignCommon {
  providerId: string;
  name: string;
  description: string | null;
  status: CampaignStatus;
  providerStatus: string;
  channel: CampaignChannel | null;
  createdAt: Date;
}

export interface AlturCampaign extends CampaignCommon {
  provider: 'ALTUR';
  agent: { id: string; name: string | null } | null;
  timezone: string | null;
  schedule: WeeklySchedule | null;
  retries: number | null;
  concurrency: number | null;
  archived: boolean;
  template: string | null;
  firstMessage: string | null;
  cycle: CampaignCycle | null;
}

export interface AuralytikCampaign extends CampaignCommon {
  provider: 'AURALYTIK';
  type: AuralytikCampaignType;
  channelType: string | null;
  startDate: Date | null;
  endDate: Date | null;
}

export type Campaign = AlturCampaign | AuralytikCampaign;

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
