import type { Campaign } from '../../domain/campaign.js';
import type { DeferredJson } from '../../http/deferredMembers.js';

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
  /**
   * Read it with `alturSchedule`: from a list page it is the item's `scheduling` still unparsed, read when
   * `schedule` is selected (40 % of a page's bytes, and rarely selected).
   */
  schedule: WeeklySchedule | DeferredJson<WeeklySchedule | null> | null;
  retries: number | null;
  concurrency: number | null;
  archived: boolean;
  template: string | null;
  firstMessage: string | null;
  cycle: CampaignCycle | null;
}
