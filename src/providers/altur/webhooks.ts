import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { NewCampaignEvent } from '../../events/types.js';
import { parseProviderInstant } from '../time.js';
import { alturStatusToDomain } from './mapping.js';

// Altur's webhooks, as PROVIDER-NOTES describes them: the signature scheme, the envelope, and what its event
// types mean in the gateway's provider-neutral events. Everything Altur-specific about webhooks lives here.

export const ALTUR_SIGNATURE_HEADER = 'x-altur-signature';

/** The dashboard shows the secret base64-encoded; the HMAC key is the decoded bytes. Null if it is not base64. */
export function decodeAlturWebhookSecret(secret: string): Buffer | null {
  const trimmed = secret.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return null;
  const key = Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64');
  return key.length === 0 ? null : key;
}

export function signAlturPayload(payload: string, key: Buffer): string {
  return createHmac('sha256', key).update(payload, 'utf8').digest('base64');
}

/**
 * Python's `json.dumps(..., separators=(",", ":"))` with its default `ensure_ascii`: everything outside printable
 * ASCII as `\uXXXX` (lowercase hex; astral characters as surrogate pairs, which is how JS strings hold them).
 * Outside strings JSON text is ASCII, so escaping the whole text is the same as escaping each string.
 */
function pythonCompact(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Whether `signature` (the header) is Altur's HMAC of this delivery: over the raw body first, then over the
 * compact re-serialisations Altur's own receiver examples compare against (JavaScript's and Python's).
 * Each candidate is compared in constant time; the comparison never stops early on a mismatching byte.
 */
export function verifyAlturSignature(raw: string, signature: string | null, key: Buffer): boolean {
  if (signature === null) return false;
  const given = Buffer.from(signature.trim(), 'base64');
  // An HMAC-SHA256 is 32 bytes: anything else cannot match, and timingSafeEqual needs equal lengths.
  if (given.length !== 32) return false;
  const candidates = [raw];
  try {
    const parsed: unknown = JSON.parse(raw);
    const compact = JSON.stringify(parsed);
    if (compact !== raw) candidates.push(compact);
    const python = pythonCompact(parsed);
    if (python !== compact && python !== raw) candidates.push(python);
  } catch {
    // Not JSON: only the raw body can have been signed.
  }
  let matched = false;
  for (const candidate of candidates) {
    const expected = createHmac('sha256', key).update(candidate, 'utf8').digest();
    matched = timingSafeEqual(expected, given) || matched;
  }
  return matched;
}

const id = z.union([z.string().min(1).max(256), z.number().int()]).transform(String);

const envelope = z.object({
  event_id: id,
  event_type: z.string().min(1).max(200),
  occurred_at: z.string().min(1).max(100),
  api_version: z.union([z.string().max(20), z.number()]).transform(String),
  project_id: id.optional(),
  data: z.unknown(),
});

const campaignData = z.object({
  campaign: z.object({
    id: z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).transform(String),
    name: z.string().nullish(),
    status: z.string().min(1).max(100),
    previous_status: z.string().max(100).nullish(),
  }),
});

/** What one delivery means to the gateway. */
export type AlturDelivery =
  | { kind: 'event'; sourceId: string; event: NewCampaignEvent }
  | { kind: 'ignored'; sourceId: string | null; reason: string }
  | { kind: 'invalid'; message: string };

/** Minor versions of 1 add fields and keep these; anything else is acknowledged and ignored, not retried. */
const SUPPORTED_API_VERSION = /^1(\.\d+)?$/;
const EVENT_TYPES = {
  'campaign.status_changed': 'STATUS_CHANGED',
  'campaign.cycle_completed': 'CYCLE_COMPLETED',
} as const;

/** Reads a verified delivery's body. `invalid` is the sender's mistake (400); `ignored` is answered 200. */
export function parseAlturDelivery(raw: string): AlturDelivery {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { kind: 'invalid', message: 'The body is not JSON. Send the event as a JSON object.' };
  }
  const parsed = envelope.safeParse(json);
  if (!parsed.success)
    return { kind: 'invalid', message: `Not an Altur webhook envelope: ${describe(parsed.error)}.` };
  const { event_id, event_type, occurred_at, api_version, data } = parsed.data;
  if (!SUPPORTED_API_VERSION.test(api_version)) {
    return { kind: 'ignored', sourceId: event_id, reason: `api_version ${api_version.slice(0, 20)}` };
  }
  const type = Object.hasOwn(EVENT_TYPES, event_type)
    ? EVENT_TYPES[event_type as keyof typeof EVENT_TYPES]
    : undefined;
  if (type === undefined) return { kind: 'ignored', sourceId: event_id, reason: 'event_type' };
  const occurredAt = parseProviderInstant(occurred_at);
  if (occurredAt === null) {
    return { kind: 'invalid', message: '`occurred_at` is not an ISO 8601 instant.' };
  }
  const body = campaignData.safeParse(data);
  if (!body.success)
    return { kind: 'invalid', message: `\`data\` of ${event_type}: ${describe(body.error)}.` };
  const { campaign } = body.data;
  return {
    kind: 'event',
    sourceId: event_id,
    event: {
      type,
      provider: 'ALTUR',
      occurredAt,
      providerId: campaign.id,
      status: alturStatusToDomain(campaign.status),
      previousStatus:
        campaign.previous_status === null || campaign.previous_status === undefined
          ? null
          : alturStatusToDomain(campaign.previous_status),
      sourceId: `altur:${event_id}`,
    },
  };
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length === 0 ? 'body' : `\`${issue.path.join('.')}\``} ${issue.message}`)
    .join('; ');
}
