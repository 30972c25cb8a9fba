import { describe, expect, it } from 'vitest';
import { type CampaignFilter, EMPTY_FILTER } from '../../../src/domain/campaign.js';
import { planNimbusQueries } from './index.js';

const plan = (filter: Partial<CampaignFilter>) => planNimbusQueries({ ...EMPTY_FILTER, ...filter });

describe('Nimbus query planning', () => {
  it('is one unfiltered stream for an empty filter', () => {
    expect(plan({})).toEqual([{ status: undefined }]);
  });

  it('asks one state per request: one stream per status it can express, the rest dropped', () => {
    expect(plan({ status: ['RUNNING', 'PAUSED', 'READY'] })).toEqual([
      { status: 'live' },
      { status: 'on_hold' },
    ]);
    expect(plan({ status: ['COMPLETED', 'COMPLETED'] })).toEqual([{ status: 'done' }]);
  });

  it('is excluded when no status it has is asked for', () => {
    expect(plan({ status: ['READY', 'COOLDOWN', 'UNKNOWN'] })).toEqual([]);
    expect(plan({ status: [] })).toEqual([]);
  });

  it('is whole under a channel filter that includes VOICE, and excluded by one that does not', () => {
    expect(plan({ channels: ['WHATSAPP', 'VOICE'] })).toEqual([{ status: undefined }]);
    expect(plan({ channels: ['WHATSAPP', 'OTHER'] })).toEqual([]);
    expect(plan({ channels: ['VOICE'], status: ['PENDING'] })).toEqual([{ status: 'draft' }]);
  });

  it('follows the providers filter', () => {
    expect(plan({ providers: ['ALTUR'] })).toEqual([]);
    expect(plan({ providers: ['ALTUR', 'NIMBUS'] })).toEqual([{ status: undefined }]);
  });

  it('is excluded by what it cannot answer: agents and creation dates', () => {
    expect(plan({ agentId: 'agt_1' })).toEqual([]);
    expect(plan({ createdAfter: new Date('2025-01-01T00:00:00Z') })).toEqual([]);
    expect(plan({ createdBefore: new Date('2025-01-01T00:00:00Z') })).toEqual([]);
  });

  it('ignores includeArchived: Nimbus archives nothing', () => {
    expect(plan({ includeArchived: true })).toEqual([{ status: undefined }]);
  });
});
