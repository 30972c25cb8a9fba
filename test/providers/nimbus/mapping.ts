import { z } from 'zod';
import type { CampaignChannel, CampaignStatus } from '../../../src/domain/campaign.js';
import type { MapResult } from '../../../src/providers/listMapping.js';
import { NIMBUS, type NimbusCampaign } from './campaign.js';
import { nimbusItemSchema } from './schemas.js';

export const NIMBUS_STATES = ['draft', 'live', 'on_hold', 'done'] as const;
export type NimbusState = (typeof NIMBUS_STATES)[number];

// Maps, not object literals: a provider string such as "constructor" must not hit Object.prototype.
const STATE_TO_DOMAIN: ReadonlyMap<string, CampaignStatus> = new Map([
  ['draft', 'PENDING'],
  ['live', 'RUNNING'],
  ['on_hold', 'PAUSED'],
  ['done', 'COMPLETED'],
]);

const DOMAIN_TO_STATE = {
  PENDING: 'draft',
  READY: null,
  RUNNING: 'live',
  PAUSED: 'on_hold',
  COMPLETED: 'done',
  COOLDOWN: null,
  UNKNOWN: null,
} as const satisfies Record<CampaignStatus, NimbusState | null>;

/** Exact match: Nimbus's states are lower-case identifiers, and a new one is UNKNOWN with its raw value kept. */
export function nimbusStateToDomain(state: string): CampaignStatus {
  return STATE_TO_DOMAIN.get(state) ?? 'UNKNOWN';
}

/** The `status` query value for a domain status; null when Nimbus has no such state. */
export function domainStatusToNimbus(status: CampaignStatus): NimbusState | null {
  return DOMAIN_TO_STATE[status];
}

/** Nimbus dials phones and nothing else, so every campaign it has is a voice campaign. */
export const NIMBUS_CHANNEL: CampaignChannel = 'VOICE';

/** The id as far as an item that failed validation shows it, so that the issue can name the campaign. */
function rawId(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null || !('id' in raw)) return null;
  const id: unknown = raw.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? String(id) : null;
}

/** One campaign, from a list page or a detail; an issue's field is relative to the item (`created`). */
export function mapNimbusItem(raw: unknown): MapResult<NimbusCampaign> {
  const parsed = nimbusItemSchema.safeParse(raw);
  if (!parsed.success) {
    const { issues } = parsed.error;
    const first = issues[0];
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    return {
      ok: false,
      issue: {
        provider: NIMBUS,
        providerId: rawId(raw),
        field: first === undefined ? '' : z.core.toDotPath(first.path),
        message: `${first?.message ?? 'invalid item'}${more}`,
      },
    };
  }
  const item = parsed.data;
  return {
    ok: true,
    campaign: {
      provider: NIMBUS,
      providerId: String(item.id),
      name: item.title,
      description: item.notes ?? null,
      status: nimbusStateToDomain(item.state),
      providerStatus: item.state,
      channel: NIMBUS_CHANNEL,
      createdAt: new Date(item.created * 1000),
      owner: item.owner ?? null,
      priority: item.priority ?? null,
    },
  };
}
