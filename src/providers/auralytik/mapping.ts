import { z } from 'zod';
import type { CampaignChannel, CampaignStatus } from '../../domain/campaign.js';
import { CaselessWords } from '../caseless.js';
import { readOptionalInstant } from '../time.js';
import type { ItemIssue } from '../types.js';
import type { AuralytikCampaign, AuralytikCampaignType } from './campaign.js';
import { auralytikItemSchema, isRecord, readAuralytikId, readString } from './schemas.js';

export type AuralytikMapResult = { ok: true; campaign: AuralytikCampaign } | { ok: false; issue: ItemIssue };

const STATUS_TO_DOMAIN = new CaselessWords<CampaignStatus>([
  ['Running', 'RUNNING'],
  ['Paused', 'PAUSED'],
  ['Completed', 'COMPLETED'],
]);

const DOMAIN_TO_STATUS = {
  PENDING: null,
  READY: null,
  RUNNING: 'Running',
  PAUSED: 'Paused',
  COMPLETED: 'Completed',
  COOLDOWN: null,
  UNKNOWN: null,
} as const satisfies Record<CampaignStatus, string | null>;

const TYPE_TO_DOMAIN = new CaselessWords<AuralytikCampaignType>([
  ['VoiceBot', 'VOICE_BOT'],
  ['Flow', 'FLOW'],
]);

const CHANNEL_TO_DOMAIN = new CaselessWords<CampaignChannel>([
  ['Voice', 'VOICE'],
  ['WhatsApp', 'WHATSAPP'],
]);

const DOMAIN_TO_CHANNEL = {
  VOICE: 'Voice',
  WHATSAPP: 'WhatsApp',
  OTHER: null,
} as const satisfies Record<CampaignChannel, string | null>;

/** Case-insensitive; a status Auralytik adds later is UNKNOWN (the raw value stays in providerStatus). */
export function auralytikStatusToDomain(status: string): CampaignStatus {
  return STATUS_TO_DOMAIN.get(status) ?? 'UNKNOWN';
}

export function auralytikTypeToDomain(type: string | null): AuralytikCampaignType {
  return type === null ? 'UNKNOWN' : (TYPE_TO_DOMAIN.get(type) ?? 'UNKNOWN');
}

/** Null when the provider sent no channel (absent, null or blank); OTHER for one we do not know. */
export function auralytikChannelToDomain(channelType: string | null): CampaignChannel | null {
  if (channelType === null) return null;
  const channel = CHANNEL_TO_DOMAIN.get(channelType);
  if (channel !== undefined) return channel;
  return channelType.trim() === '' ? null : 'OTHER';
}

/** The `status` query value for a domain status; null when Auralytik has no such status. */
export function domainStatusToAuralytik(status: CampaignStatus): 'Running' | 'Paused' | 'Completed' | null {
  return DOMAIN_TO_STATUS[status];
}

/** The `channelType` query value; OTHER is null because "anything but Voice and WhatsApp" is no filter. */
export function domainChannelToAuralytik(channel: CampaignChannel): 'Voice' | 'WhatsApp' | null {
  return DOMAIN_TO_CHANNEL[channel];
}

const MAX_ID_CHARS = 60;

/** The id as far as it can be read from an item that failed validation, so the issue can name it. */
function rawProviderId(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null || !('id' in raw)) return null;
  const id: unknown = raw.id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  if (typeof id === 'string' && id !== '') return id.length > MAX_ID_CHARS ? id.slice(0, MAX_ID_CHARS) : id;
  return null;
}

function joinPath(prefix: string, path: string): string {
  if (prefix === '') return path;
  if (path === '' || path.startsWith('[')) return prefix + path;
  return `${prefix}.${path}`;
}

/**
 * What auralytikItemSchema and the mapping below together give, read straight off the raw item; undefined
 * when zod would report an issue, so that the zod path names it. Optional fields cannot fail there.
 */
function readCampaign(raw: unknown): AuralytikCampaign | undefined {
  if (!isRecord(raw)) return undefined;
  const providerId = readAuralytikId(raw.id);
  const { name, status } = raw;
  if (providerId === undefined || typeof name !== 'string' || typeof status !== 'string') return undefined;
  const createdAt = readOptionalInstant(raw.createdAt);
  if (createdAt === null) return undefined;
  const channelType = readString(raw.channelType);
  return {
    provider: 'AURALYTIK',
    providerId,
    name,
    description: readString(raw.description),
    status: auralytikStatusToDomain(status),
    providerStatus: status,
    channel: auralytikChannelToDomain(channelType),
    createdAt,
    type: auralytikTypeToDomain(readString(raw.type)),
    channelType,
    startDate: readOptionalInstant(raw.startDate),
    endDate: readOptionalInstant(raw.endDate),
  };
}

/** The zod path alone: the reference the fast path is tested against, and the source of every issue. */
export function mapAuralytikItemWithZod(raw: unknown, prefix = ''): AuralytikMapResult {
  const parsed = auralytikItemSchema.safeParse(raw);
  if (!parsed.success) {
    const { issues } = parsed.error;
    const first = issues[0];
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    return {
      ok: false,
      issue: {
        provider: 'AURALYTIK',
        providerId: rawProviderId(raw),
        field: joinPath(prefix, first === undefined ? '' : z.core.toDotPath(first.path)),
        message: `${first?.message ?? 'invalid item'}${more}`,
      },
    };
  }
  const item = parsed.data;
  const channelType = item.channelType ?? null;
  return {
    ok: true,
    campaign: {
      provider: 'AURALYTIK',
      providerId: item.id,
      name: item.name,
      description: item.description ?? null,
      status: auralytikStatusToDomain(item.status),
      providerStatus: item.status,
      channel: auralytikChannelToDomain(channelType),
      createdAt: item.createdAt,
      type: auralytikTypeToDomain(item.type ?? null),
      channelType,
      startDate: item.startDate,
      endDate: item.endDate,
    },
  };
}

function mapWithPrefix(raw: unknown, prefix: string): AuralytikMapResult {
  const campaign = readCampaign(raw);
  return campaign === undefined ? mapAuralytikItemWithZod(raw, prefix) : { ok: true, campaign };
}

/** One campaign, from a list page or a detail. ItemIssue.field is relative to the item (`createdAt`). */
export function mapAuralytikItem(raw: unknown): AuralytikMapResult {
  return mapWithPrefix(raw, '');
}

/** A page of items: invalid ones are skipped and reported with their index (`data[3].createdAt`). */
export function mapAuralytikItems(items: readonly unknown[]): {
  campaigns: AuralytikCampaign[];
  issues: ItemIssue[];
} {
  const campaigns: AuralytikCampaign[] = [];
  const issues: ItemIssue[] = [];
  for (let index = 0; index < items.length; index++) {
    const result = mapWithPrefix(items[index], `data[${index}]`);
    if (result.ok) campaigns.push(result.campaign);
    else issues.push(result.issue);
  }
  return { campaigns, issues };
}
