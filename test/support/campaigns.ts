import { expect } from 'vitest';
import type { CampaignChannel, CampaignStatus, Provider } from '../../src/domain/campaign.js';
import type { AlturCampaignRecord, AuralytikCampaignRecord } from '../../tools/simulators/index.js';

// What the connection tests share: the page query, its types, and the campaigns a filter must return,
// computed from the simulators' records independently of the gateway.

export interface Edge {
  cursor: string;
  node: { id: string; providerId: string; provider: Provider; createdAt: string };
}
export interface Page {
  campaigns: {
    totalCount: number;
    edges: Edge[];
    pageInfo: {
      hasNextPage: boolean;
      hasPreviousPage: boolean;
      startCursor: string | null;
      endCursor: string | null;
    };
  };
}

export const PAGE = `query Page($first: Int, $after: String, $last: Int, $before: String, $filter: CampaignFilter) {
  campaigns(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount
    edges { cursor node { id providerId provider createdAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

export interface Filter {
  providers?: Provider[] | undefined;
  status?: CampaignStatus[] | undefined;
  channels?: CampaignChannel[] | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
  includeArchived?: boolean | undefined;
}

const ALTUR_STATUS: Record<string, CampaignStatus> = {
  pending: 'PENDING',
  ready: 'READY',
  active: 'RUNNING',
  inactive: 'PAUSED',
  cooldown: 'COOLDOWN',
  finished: 'COMPLETED',
};
const AURALYTIK_STATUS: Record<string, CampaignStatus> = {
  Running: 'RUNNING',
  Paused: 'PAUSED',
  Completed: 'COMPLETED',
};

/** What the walk must return, computed from the simulators' records independently of the gateway. */
export function expectedIds(
  filter: Filter,
  altur: readonly AlturCampaignRecord[],
  auralytik: readonly AuralytikCampaignRecord[],
) {
  const after = filter.createdAfter ? Date.parse(filter.createdAfter) : -Infinity;
  const before = filter.createdBefore ? Date.parse(filter.createdBefore) : Infinity;
  const inRange = (instant: string) => {
    const at = Date.parse(instant.includes('T') ? instant : `${instant.replace(' ', 'T')}Z`);
    return at >= after && at <= before;
  };
  const wants = (provider: Provider) => filter.providers === undefined || filter.providers.includes(provider);
  const ids: string[] = [];
  if (wants('ALTUR')) {
    for (const record of altur) {
      const status = ALTUR_STATUS[record.status] ?? 'UNKNOWN';
      const channel = record.integration === 'phone_call' ? 'VOICE' : 'WHATSAPP';
      if (filter.status && !filter.status.includes(status)) continue;
      if (filter.channels && !filter.channels.includes(channel)) continue;
      if (record.archived && !filter.includeArchived) continue;
      if (inRange(record.created_at)) ids.push(`ALTUR:${record.id}`);
    }
  }
  if (wants('AURALYTIK')) {
    for (const record of auralytik) {
      const status = AURALYTIK_STATUS[record.status] ?? 'UNKNOWN';
      const channel =
        record.channelType === 'Voice' ? 'VOICE' : record.channelType === 'WhatsApp' ? 'WHATSAPP' : null;
      if (filter.status && !filter.status.includes(status)) continue;
      if (filter.channels && (channel === null || !filter.channels.includes(channel))) continue;
      if (inRange(record.createdAt)) ids.push(`AURALYTIK:${record.id}`);
    }
  }
  return ids.sort();
}

export const key = (edge: Edge) => `${edge.node.provider}:${edge.node.providerId}`;

/** The promise of a walk while data changes (README, "Paging while campaigns change"). */
export function expectExactlyOnce(
  shown: readonly Edge[],
  expected: readonly string[],
  touched: ReadonlySet<string>,
  order: 'merged' | 'per provider' = 'merged',
) {
  const keys = shown.map(key);
  expect(
    keys.filter((id, index) => keys.indexOf(id) !== index),
    'campaigns shown twice',
  ).toEqual([]);
  expect(
    expected.filter((id) => !touched.has(id) && !keys.includes(id)),
    'untouched campaigns never shown',
  ).toEqual([]);
  expect(
    keys.filter((id) => !expected.includes(id) && !touched.has(id)),
    'campaigns that never matched',
  ).toEqual([]);
  // A failed provider's campaigns newer than the page it failed on arrive late (README, "When a provider
  // fails"): newest first then holds within each provider, not across them.
  for (const provider of order === 'merged'
    ? [null]
    : [...new Set(shown.map((edge) => edge.node.provider))]) {
    const times = shown
      .filter((edge) => provider === null || edge.node.provider === provider)
      .map((edge) => Date.parse(edge.node.createdAt));
    times.forEach((time, index) => {
      expect(time, 'newest first').toBeLessThanOrEqual(times[index - 1] ?? Number.POSITIVE_INFINITY);
    });
  }
}
