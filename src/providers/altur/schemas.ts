import { z } from 'zod';
import { UpstreamBadResponseError } from '../../errors.js';
import { instant, optionalInstant } from '../time.js';

// Every optional field is tolerant: a wrong type becomes null instead of failing the whole item, because
// Altur's field names and types drift between doc versions and one odd field should not hide a campaign.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keepStrings(values: readonly unknown[]): string[] {
  const strings: string[] = [];
  for (const value of values) if (typeof value === 'string') strings.push(value);
  return strings;
}

function toDecimalId(id: number | string): string {
  if (typeof id === 'number') return String(id);
  // Leading zeros would give the same campaign two ids (list sends 7, detail might send "007").
  return id.replace(/^0+(?=\d)/, '');
}

const nullableString = z.string().nullish().catch(null);
const nullableInt = z.int32().nullish().catch(null);
const nullableBool = z.boolean().nullish().catch(null);
const nullableStringList = z.array(z.unknown()).transform(keepStrings).nullish().catch(null);

const DECIMAL_ID = /^\d{1,30}$/;

/** Altur ids are integers; a numeric string is accepted too. Output: the decimal string. */
export const alturId = z
  .union([z.int().nonnegative(), z.string().regex(DECIMAL_ID)], {
    error: 'expected an integer id or a decimal string',
  })
  .transform(toDecimalId);

// Readers for the mapping's fast path: each gives what the zod schema of the same name gives, without a
// zod run (payload objects, a pipe and a catch per field). Absent becomes null rather than undefined:
// the mapping reads every optional field through `??`. test/unit/providers/altur-fast-path.test.ts
// checks that both paths map arbitrary items alike.

/** `nullableString`. */
export function readString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/** `nullableInt`. */
export function readInt32(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX
    ? value
    : null;
}

/** `nullableBool`. */
export function readBool(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

/** `nullableStringList`. */
export function readStringList(value: unknown): string[] | null {
  return Array.isArray(value) ? keepStrings(value) : null;
}

/** `alturId`; undefined where zod reports an issue. */
export function readAlturId(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined;
  return typeof value === 'string' && DECIMAL_ID.test(value) ? toDecimalId(value) : undefined;
}

/** The agent's `id`; undefined where zod reports an issue (which turns the whole agent into null). */
export function readAgentId(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  return Number.isSafeInteger(value) ? String(value) : undefined;
}

const alturDay = z
  .object({
    startTime: nullableString,
    endTime: nullableString,
    stopTime: nullableString,
    active: nullableBool,
  })
  .nullish()
  .catch(null);

const alturScheduling = z
  .object({
    mon: alturDay,
    tue: alturDay,
    wed: alturDay,
    thu: alturDay,
    fri: alturDay,
    sat: alturDay,
    sun: alturDay,
  })
  .nullish()
  .catch(null);

const alturAgent = z
  .object({
    id: z.union([z.string().min(1), z.int()]).transform(String),
    name: nullableString,
  })
  .nullish()
  .catch(null);

/** A campaign as `GET /campaigns` lists it. Only id, name, status and created_at are required. */
export const alturListItemSchema = z.object({
  id: alturId,
  name: z.string(),
  description: nullableString,
  status: z.string(),
  created_at: instant,
  agent: alturAgent,
  scheduling: alturScheduling,
  timezone: nullableString,
  retries: nullableInt,
  concurrency: nullableInt,
  concurrency_limit: nullableInt,
  archived: nullableBool,
  template: nullableString,
  first_message: nullableString,
  cycle_enabled: nullableBool,
  cycle_max_iterations: nullableInt,
  cycle_cooldown: nullableInt,
  cycle_cooldown_minutes: nullableInt,
  cycle_status_filters: nullableStringList,
  cycle_filter_statuses: nullableStringList,
  cycle_tag_filters: nullableStringList,
  cycle_filter_tags: nullableStringList,
  cycle_current_iteration: nullableInt,
  last_iteration_at: optionalInstant,
  cycle_last_iteration_at: optionalInstant,
});
export type AlturListItem = z.infer<typeof alturListItemSchema>;

/** The detail's nested cycle; the list's names are accepted too since both spellings have been seen. */
const alturCycles = z
  .object({
    enabled: nullableBool,
    max_iterations: nullableInt,
    cooldown_minutes: nullableInt,
    cooldown: nullableInt,
    filter_statuses: nullableStringList,
    status_filters: nullableStringList,
    filter_tags: nullableStringList,
    tag_filters: nullableStringList,
    current_iteration: nullableInt,
    last_iteration_at: optionalInstant,
  })
  .nullish()
  .catch(null);

const alturIntegration = z.object({ type: nullableString }).nullish().catch(null);

/** A campaign as `GET /campaigns/{id}` returns it: the list fields plus `cycles` and `integration`. */
export const alturDetailItemSchema = alturListItemSchema.extend({
  cycles: alturCycles,
  integration: alturIntegration,
});
export type AlturDetailItem = z.infer<typeof alturDetailItemSchema>;

const cursor = z.string().nullish();
const flag = z.boolean().nullish();

export const alturListEnvelopeSchema = z.object({
  total_count: z.int().nonnegative().nullish(),
  campaigns: z.array(z.unknown()),
  pagination: z.object({
    has_more: flag,
    has_next: flag,
    has_previous: flag,
    next_cursor: cursor,
    previous_cursor: cursor,
  }),
});

export const alturDetailEnvelopeSchema = z.object({
  // Absent is tolerated; `false` means the body is not a campaign.
  success: z.literal(true).optional(),
  campaign: z.custom<Record<string, unknown>>(isRecord, { error: 'expected an object' }),
});

export interface AlturListPage {
  /** Null on later pages, where Altur may skip the count: the caller carries the first page's forward. */
  totalCount: number | null;
  /** Unvalidated: each item is validated on its own by the mapping. */
  items: unknown[];
  hasMore: boolean;
  hasPrevious: boolean;
  nextCursor: string | null;
  previousCursor: string | null;
}

function badResponse(what: string, error: z.ZodError): UpstreamBadResponseError {
  const issue = error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? 'body' : z.core.toDotPath(issue.path);
  return new UpstreamBadResponseError(
    'ALTUR',
    `unexpected ${what} response (${where}: ${issue?.message ?? 'invalid'})`,
    z.prettifyError(error),
  );
}

function emptyToNull(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === '' ? null : value;
}

/** Validates the envelope of `GET /campaigns`, leaving the items to the mapping. */
export function parseAlturList(body: unknown): AlturListPage {
  const parsed = alturListEnvelopeSchema.safeParse(body);
  if (!parsed.success) throw badResponse('campaign list', parsed.error);
  const { total_count, campaigns, pagination } = parsed.data;
  const nextCursor = emptyToNull(pagination.next_cursor);
  const previousCursor = emptyToNull(pagination.previous_cursor);
  return {
    totalCount: total_count ?? null,
    items: campaigns,
    // Without either flag, the presence of a cursor is the only hint left.
    hasMore: pagination.has_more ?? pagination.has_next ?? nextCursor !== null,
    hasPrevious: pagination.has_previous ?? previousCursor !== null,
    nextCursor,
    previousCursor,
  };
}

/** Validates the envelope of `GET /campaigns/{id}` and returns the unvalidated campaign object. */
export function parseAlturDetail(body: unknown): unknown {
  const parsed = alturDetailEnvelopeSchema.safeParse(body);
  if (!parsed.success) throw badResponse('campaign detail', parsed.error);
  return parsed.data.campaign;
}
