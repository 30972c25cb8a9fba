import { z } from 'zod';
import { UpstreamBadResponseError } from '../../errors.js';
import { instant, optionalInstant } from '../time.js';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const nullableString = z.string().nullish().catch(null);

/** A campaign as Auralytik sends it. Only id, name, status and createdAt are required. */
export const auralytikItemSchema = z.object({
  // Documented as a string; a number would still identify the campaign, so it is kept as its string.
  id: z.union([z.string().min(1), z.int()], { error: 'expected a non-empty string id' }).transform(String),
  name: z.string(),
  description: nullableString,
  type: nullableString,
  status: z.string(),
  channelType: nullableString,
  startDate: optionalInstant,
  endDate: optionalInstant,
  createdAt: instant,
});
export type AuralytikItem = z.infer<typeof auralytikItemSchema>;

// Readers for the mapping's fast path: each gives what the zod schema above gives for its field, without
// a zod run. test/unit/providers/auralytik-fast-path.test.ts checks that both paths map items alike.

/** `nullableString`, with absent as null (the mapping reads it through `??`). */
export function readString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** The item's `id`; undefined where zod reports an issue. */
export function readAuralytikId(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  return Number.isSafeInteger(value) ? String(value) : undefined;
}

const count = z.int().nonnegative();
const items = z.array(z.unknown());

/** The seed's shape: `{data, page, pageSize, totalCount}`. */
export const auralytikFlatListSchema = z.object({
  data: items,
  page: count,
  pageSize: count,
  totalCount: count,
});

/** The newer docs' shape: `{data, meta, pagination: {page, pageSize, totalCount, totalPages}}`. */
export const auralytikWrappedListSchema = z.object({
  data: items,
  pagination: z.object({
    page: count,
    pageSize: count,
    totalCount: count,
    totalPages: count.nullish(),
  }),
});

export interface AuralytikListPage {
  totalCount: number;
  page: number;
  pageSize: number;
  /** Unvalidated: each item is validated on its own by the mapping. */
  items: unknown[];
}

function badResponse(what: string, error: z.ZodError): UpstreamBadResponseError {
  const issue = error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? 'body' : z.core.toDotPath(issue.path);
  return new UpstreamBadResponseError(
    'AURALYTIK',
    `unexpected ${what} response (${where}: ${issue?.message ?? 'invalid'})`,
    z.prettifyError(error),
  );
}

/** Validates the envelope of `GET /campaigns` in either documented shape, leaving the items to the mapping. */
export function parseAuralytikList(body: unknown): AuralytikListPage {
  // Choosing the shape by its key, rather than a zod union, keeps the error message about the right field.
  if (isRecord(body) && body.pagination !== undefined) {
    const parsed = auralytikWrappedListSchema.safeParse(body);
    if (!parsed.success) throw badResponse('campaign list', parsed.error);
    const { data, pagination } = parsed.data;
    return {
      totalCount: pagination.totalCount,
      page: pagination.page,
      pageSize: pagination.pageSize,
      items: data,
    };
  }
  const parsed = auralytikFlatListSchema.safeParse(body);
  if (!parsed.success) throw badResponse('campaign list', parsed.error);
  const { data, page, pageSize, totalCount } = parsed.data;
  return { totalCount, page, pageSize, items: data };
}

export const auralytikDetailSchema = z.custom<Record<string, unknown>>(isRecord, {
  error: 'expected a campaign object',
});

/**
 * Validates the body of `GET /campaigns/{id}` (undocumented: a bare campaign or `{data: {...}}`) and
 * returns the unvalidated campaign object.
 */
export function parseAuralytikDetail(body: unknown): unknown {
  const parsed = auralytikDetailSchema.safeParse(body);
  if (!parsed.success) throw badResponse('campaign detail', parsed.error);
  const object = parsed.data;
  // A bare campaign has an id; a wrapper has `data` and no id of its own.
  if (object.id !== undefined || object.data === undefined) return object;
  const inner = auralytikDetailSchema.safeParse(object.data);
  if (!inner.success) {
    throw new UpstreamBadResponseError(
      'AURALYTIK',
      'unexpected campaign detail response (data: expected a campaign object)',
    );
  }
  return inner.data;
}

/** Newer docs: `{error: {code, message, requestId, retryAfter}}`, e.g. RATE_LIMIT_EXCEEDED. */
export const auralytikErrorSchema = z.object({
  error: z.object({
    code: z.string().min(1).nullable().catch(null),
    message: z.string().nullable().catch(null),
    requestId: z.string().nullable().catch(null),
    retryAfter: z.union([z.number(), z.string()]).nullable().catch(null),
  }),
});

function toRetryAfterSeconds(value: number | string | null): number | null {
  if (value === null) return null;
  const seconds = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

/** The machine-readable part of an Auralytik error body. Never throws. */
export function parseAuralytikError(body: unknown): {
  code: string | null;
  retryAfterSeconds: number | null;
} {
  const parsed = auralytikErrorSchema.safeParse(body);
  if (!parsed.success) return { code: null, retryAfterSeconds: null };
  const { code, retryAfter } = parsed.data.error;
  return { code, retryAfterSeconds: toRetryAfterSeconds(retryAfter) };
}
