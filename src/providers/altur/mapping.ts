// About 420 lines on purpose: one mapping of Altur's campaign fields, each with its tolerance for what Altur
// sends (schedules, cycles, statuses), read by zod and by the fast path beside it; split, the per-field rules
// would lose the item they belong to.
import { z } from 'zod';
import type { CampaignChannel, CampaignStatus } from '../../domain/campaign.js';
import { DeferredJson, DeferredMember, type DeferredValues } from '../../http/deferredMembers.js';
import { CaselessWords } from '../caseless.js';
import { readOptionalInstant } from '../time.js';
import type { ItemIssue } from '../types.js';
import type { AlturCampaign, CampaignCycle, DaySchedule, WeeklySchedule } from './campaign.js';
import {
  type AlturDetailItem,
  type AlturListItem,
  alturDetailItemSchema,
  alturListItemSchema,
  isRecord,
  readAgentId,
  readAlturId,
  readBool,
  readInt32,
  readString,
  readStringList,
} from './schemas.js';

export type AlturMapResult = { ok: true; campaign: AlturCampaign } | { ok: false; issue: ItemIssue };

/** The member of Altur's bodies left unparsed until read: a list item's weekly schedule. */
export const ALTUR_DEFERRED_MEMBER = new DeferredMember('scheduling');

const STATUS_TO_DOMAIN = new CaselessWords<CampaignStatus>([
  ['pending', 'PENDING'],
  ['ready', 'READY'],
  ['active', 'RUNNING'],
  ['inactive', 'PAUSED'],
  ['cooldown', 'COOLDOWN'],
  ['finished', 'COMPLETED'],
]);

const DOMAIN_TO_STATUS = {
  PENDING: 'pending',
  READY: 'ready',
  RUNNING: 'active',
  PAUSED: 'inactive',
  COOLDOWN: 'cooldown',
  COMPLETED: 'finished',
  UNKNOWN: null,
} as const satisfies Record<CampaignStatus, string | null>;

export type AlturStatusParam = NonNullable<(typeof DOMAIN_TO_STATUS)[CampaignStatus]>;

const INTEGRATION_TO_CHANNEL = new CaselessWords<CampaignChannel>([
  ['phone_call', 'VOICE'],
  ['whatsapp', 'WHATSAPP'],
]);

const CHANNEL_TO_INTEGRATION = {
  VOICE: 'phone_call',
  WHATSAPP: 'whatsapp',
  OTHER: null,
} as const satisfies Record<CampaignChannel, string | null>;

/** Case-insensitive; a status Altur adds later is UNKNOWN (the raw value stays in providerStatus). */
export function alturStatusToDomain(status: string): CampaignStatus {
  return STATUS_TO_DOMAIN.get(status) ?? 'UNKNOWN';
}

/** The `status` query value for a domain status; null when Altur has no such status. */
export function domainStatusToAltur(status: CampaignStatus): AlturStatusParam | null {
  return DOMAIN_TO_STATUS[status];
}

/** The `integration` query value for a channel; null when the channel cannot be expressed as a filter. */
export function domainChannelToAlturIntegration(channel: CampaignChannel): 'phone_call' | 'whatsapp' | null {
  return CHANNEL_TO_INTEGRATION[channel];
}

export function alturIntegrationToChannel(integration: string): CampaignChannel {
  return INTEGRATION_TO_CHANNEL.get(integration) ?? 'OTHER';
}

type AlturDay = NonNullable<AlturListItem['scheduling']>['mon'];

function toDay(day: AlturDay): DaySchedule | null {
  if (!day) return null;
  return {
    active: day.active ?? false,
    startTime: day.startTime ?? null,
    endTime: day.endTime ?? day.stopTime ?? null,
  };
}

function toSchedule(scheduling: AlturListItem['scheduling']): WeeklySchedule | null {
  if (!scheduling) return null;
  return {
    monday: toDay(scheduling.mon),
    tuesday: toDay(scheduling.tue),
    wednesday: toDay(scheduling.wed),
    thursday: toDay(scheduling.thu),
    friday: toDay(scheduling.fri),
    saturday: toDay(scheduling.sat),
    sunday: toDay(scheduling.sun),
  };
}

/** The list's flat `cycle_*` fields, with the detail's nested `cycles` taking precedence when present. */
function toCycle(item: AlturListItem, cycles: AlturDetailItem['cycles']): CampaignCycle | null {
  return cycleFrom({
    enabled: cycles?.enabled ?? item.cycle_enabled ?? null,
    maxIterations: cycles?.max_iterations ?? item.cycle_max_iterations ?? null,
    cooldownMinutes:
      cycles?.cooldown_minutes ??
      cycles?.cooldown ??
      item.cycle_cooldown ??
      item.cycle_cooldown_minutes ??
      null,
    statusFilters:
      cycles?.filter_statuses ??
      cycles?.status_filters ??
      item.cycle_status_filters ??
      item.cycle_filter_statuses ??
      null,
    tagFilters:
      cycles?.filter_tags ?? cycles?.tag_filters ?? item.cycle_tag_filters ?? item.cycle_filter_tags ?? null,
    currentIteration: cycles?.current_iteration ?? item.cycle_current_iteration ?? null,
    lastIterationAt:
      cycles?.last_iteration_at ?? item.last_iteration_at ?? item.cycle_last_iteration_at ?? null,
  });
}

function toCampaign(
  item: AlturListItem,
  channel: CampaignChannel | null,
  cycles: AlturDetailItem['cycles'],
): AlturCampaign {
  return {
    provider: 'ALTUR',
    providerId: item.id,
    name: item.name,
    description: item.description ?? null,
    status: alturStatusToDomain(item.status),
    providerStatus: item.status,
    channel,
    createdAt: item.created_at,
    agent: item.agent ? { id: item.agent.id, name: item.agent.name ?? null } : null,
    timezone: item.timezone ?? null,
    schedule: toSchedule(item.scheduling),
    retries: item.retries ?? null,
    concurrency: item.concurrency ?? item.concurrency_limit ?? null,
    archived: item.archived ?? false,
    template: item.template ?? null,
    firstMessage: item.first_message ?? null,
    cycle: toCycle(item, cycles),
  };
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

function toIssue(raw: unknown, error: z.ZodError, prefix: string): ItemIssue {
  const first = error.issues[0];
  const path = first === undefined ? '' : z.core.toDotPath(first.path);
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return {
    provider: 'ALTUR',
    providerId: rawProviderId(raw),
    field: joinPath(prefix, path),
    message: `${first?.message ?? 'invalid item'}${more}`,
  };
}

function joinPath(prefix: string, path: string): string {
  if (prefix === '') return path;
  if (path === '' || path.startsWith('[')) return prefix + path;
  return `${prefix}.${path}`;
}

// The fast path: what alturListItemSchema and toCampaign together give, read straight off the raw item.
// Optional fields cannot fail (zod's `.catch(null)`), so only the four required ones can send an item
// to the zod path, which then names the issue. Later spellings are only read when earlier ones are null.

function readDay(raw: unknown): DaySchedule | null {
  if (!isRecord(raw)) return null;
  return {
    active: readBool(raw.active) ?? false,
    startTime: readString(raw.startTime),
    endTime: readString(raw.endTime) ?? readString(raw.stopTime),
  };
}

function readSchedule(raw: unknown): WeeklySchedule | null {
  if (!isRecord(raw)) return null;
  return {
    monday: readDay(raw.mon),
    tuesday: readDay(raw.tue),
    wednesday: readDay(raw.wed),
    thursday: readDay(raw.thu),
    friday: readDay(raw.fri),
    saturday: readDay(raw.sat),
    sunday: readDay(raw.sun),
  };
}

function readAgent(raw: unknown): AlturCampaign['agent'] {
  if (!isRecord(raw)) return null;
  const id = readAgentId(raw.id);
  return id === undefined ? null : { id, name: readString(raw.name) };
}

/** `toCycle`: a detail's `cycles` object (`alturCycles`: any non-record is null) first, then the flat fields. */
function readCycle(raw: Record<string, unknown>, detailCycles: unknown): CampaignCycle | null {
  const cycles = isRecord(detailCycles) ? detailCycles : undefined;
  return cycleFrom({
    enabled: (cycles && readBool(cycles.enabled)) ?? readBool(raw.cycle_enabled),
    maxIterations: (cycles && readInt32(cycles.max_iterations)) ?? readInt32(raw.cycle_max_iterations),
    cooldownMinutes:
      (cycles && (readInt32(cycles.cooldown_minutes) ?? readInt32(cycles.cooldown))) ??
      readInt32(raw.cycle_cooldown) ??
      readInt32(raw.cycle_cooldown_minutes),
    statusFilters:
      (cycles && (readStringList(cycles.filter_statuses) ?? readStringList(cycles.status_filters))) ??
      readStringList(raw.cycle_status_filters) ??
      readStringList(raw.cycle_filter_statuses),
    tagFilters:
      (cycles && (readStringList(cycles.filter_tags) ?? readStringList(cycles.tag_filters))) ??
      readStringList(raw.cycle_tag_filters) ??
      readStringList(raw.cycle_filter_tags),
    currentIteration:
      (cycles && readInt32(cycles.current_iteration)) ?? readInt32(raw.cycle_current_iteration),
    lastIterationAt:
      (cycles && readOptionalInstant(cycles.last_iteration_at)) ??
      readOptionalInstant(raw.last_iteration_at) ??
      readOptionalInstant(raw.cycle_last_iteration_at),
  });
}

/**
 * The campaign of a list item, or undefined when zod would report an issue for it. A plain object literal,
 * schedule included. A literal with a getter (a lazy schedule, tried once) is a dictionary-mode object in V8,
 * and with one a page of 100 cost 235 KB more allocation and 49 KB promoted to the old generation than this
 * literal with its eight schedule objects (1 KB): the promoted bytes are what made young-generation GC slow
 * and the old generation grow (see BENCHMARKS.md).
 */
function readCampaign(
  raw: unknown,
  channel: CampaignChannel | null,
  detailCycles: unknown,
  deferred: DeferredValues | undefined,
): AlturCampaign | undefined {
  if (!isRecord(raw)) return undefined;
  const providerId = readAlturId(raw.id);
  const { name, status, created_at, scheduling } = raw;
  if (providerId === undefined || typeof name !== 'string' || typeof status !== 'string') return undefined;
  const createdAt = readOptionalInstant(created_at);
  if (createdAt === null) return undefined;
  return {
    provider: 'ALTUR',
    providerId,
    name,
    description: readString(raw.description),
    status: alturStatusToDomain(status),
    providerStatus: status,
    channel,
    createdAt,
    agent: readAgent(raw.agent),
    timezone: readString(raw.timezone),
    schedule: deferred?.isPlaceholder(scheduling)
      ? deferred.later(scheduling, readSchedule)
      : readSchedule(scheduling),
    retries: readInt32(raw.retries),
    concurrency: readInt32(raw.concurrency) ?? readInt32(raw.concurrency_limit),
    archived: readBool(raw.archived) ?? false,
    template: readString(raw.template),
    firstMessage: readString(raw.first_message),
    cycle: readCycle(raw, detailCycles),
  };
}

/** The zod path alone: the reference the fast path is tested against, and the source of every issue. */
export function mapAlturItemWithZod(
  raw: unknown,
  channel: CampaignChannel | null,
  prefix = '',
): AlturMapResult {
  const parsed = alturListItemSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, issue: toIssue(raw, parsed.error, prefix) };
  return { ok: true, campaign: toCampaign(parsed.data, channel, null) };
}

function mapWithPrefix(
  raw: unknown,
  channel: CampaignChannel | null,
  prefix: string,
  deferred: DeferredValues | undefined,
): AlturMapResult {
  const campaign = readCampaign(raw, channel, undefined, deferred);
  return campaign === undefined
    ? mapAlturItemWithZod(withScheduling(raw, deferred), channel, prefix)
    : { ok: true, campaign };
}

/** The item as sent: zod reads its schedule, so a deferred one is parsed for it. */
function withScheduling(raw: unknown, deferred: DeferredValues | undefined): unknown {
  if (deferred === undefined || !isRecord(raw)) return raw;
  const { scheduling } = raw;
  return deferred.isPlaceholder(scheduling) ? { ...raw, scheduling: deferred.parse(scheduling) } : raw;
}

/** The campaign's weekly schedule, read now when its page left it unparsed. */
export function alturSchedule(campaign: AlturCampaign): WeeklySchedule | null {
  const { schedule } = campaign;
  return schedule instanceof DeferredJson ? schedule.value() : schedule;
}

/**
 * One list item. List items carry no channel, so `channel` is what the request's `integration` filter
 * implies, or null. ItemIssue.field is relative to the item (`created_at`; `` for the item itself).
 * `deferred`: the values its body left unparsed (`deferredValuesOf`).
 */
export function mapAlturItem(
  raw: unknown,
  channel: CampaignChannel | null,
  deferred?: DeferredValues,
): AlturMapResult {
  return mapWithPrefix(raw, channel, '', deferred);
}

/** A page of list items: invalid ones are skipped and reported with their index (`campaigns[3].created_at`). */
export function mapAlturItems(
  items: readonly unknown[],
  channel: CampaignChannel | null,
  deferred?: DeferredValues,
): { campaigns: AlturCampaign[]; issues: ItemIssue[] } {
  const campaigns: AlturCampaign[] = [];
  const issues: ItemIssue[] = [];
  for (let index = 0; index < items.length; index++) {
    const result = mapWithPrefix(items[index], channel, `campaigns[${index}]`, deferred);
    if (result.ok) campaigns.push(result.campaign);
    else issues.push(result.issue);
  }
  return { campaigns, issues };
}

/**
 * The campaign of `GET /campaigns/{id}`. Its `integration.type` names the channel; `channel` is the
 * fallback when it does not. ItemIssue.field is prefixed `campaign.`.
 */
export function mapAlturDetail(
  raw: unknown,
  channel: CampaignChannel | null = null,
  deferred?: DeferredValues,
): AlturMapResult {
  const campaign = isRecord(raw)
    ? readCampaign(raw, detailChannel(raw.integration, channel), raw.cycles, deferred)
    : undefined;
  return campaign === undefined
    ? mapAlturDetailWithZod(withScheduling(raw, deferred), channel)
    : { ok: true, campaign };
}

/** `alturIntegration`'s type, trimmed, names the channel; without one (or with an empty one), `channel`. */
function detailChannel(integration: unknown, channel: CampaignChannel | null): CampaignChannel | null {
  const type = isRecord(integration) ? readString(integration.type)?.trim() : undefined;
  return type === undefined || type === '' ? channel : alturIntegrationToChannel(type);
}

/** The detail's zod path alone: the reference `mapAlturDetail` is tested against, and its issues' source. */
export function mapAlturDetailWithZod(raw: unknown, channel: CampaignChannel | null = null): AlturMapResult {
  const parsed = alturDetailItemSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, issue: toIssue(raw, parsed.error, 'campaign') };
  const item = parsed.data;
  const type = item.integration?.type?.trim();
  const detailChannel = type === undefined || type === '' ? channel : alturIntegrationToChannel(type);
  return { ok: true, campaign: toCampaign(item, detailChannel, item.cycles) };
}

/**
 * A cycle from whichever fields the item carried; null when it carried none of them. Written out field by
 * field: it runs for every list item, and a spread plus `Object.values` cost two more objects an item.
 */
function cycleFrom(parts: {
  enabled: boolean | null;
  maxIterations: number | null;
  cooldownMinutes: number | null;
  statusFilters: string[] | null;
  tagFilters: string[] | null;
  currentIteration: number | null;
  lastIterationAt: Date | null;
}): CampaignCycle | null {
  const {
    enabled,
    maxIterations,
    cooldownMinutes,
    statusFilters,
    tagFilters,
    currentIteration,
    lastIterationAt,
  } = parts;
  if (
    enabled === null &&
    maxIterations === null &&
    cooldownMinutes === null &&
    statusFilters === null &&
    tagFilters === null &&
    currentIteration === null &&
    lastIterationAt === null
  ) {
    return null;
  }
  return {
    enabled: enabled ?? false,
    maxIterations,
    cooldownMinutes,
    statusFilters: statusFilters ?? [],
    tagFilters: tagFilters ?? [],
    currentIteration,
    lastIterationAt,
  };
}
