import type { Campaign } from '../../domain/campaign.js';

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

export interface AlturCampaign extends Campaign {
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
