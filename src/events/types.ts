import type { CampaignStatus, Provider } from '../domain/campaign.js';

export const CAMPAIGN_EVENT_TYPES = ['STATUS_CHANGED', 'CYCLE_COMPLETED', 'CREATED', 'UPDATED'] as const;
export type CampaignEventType = (typeof CAMPAIGN_EVENT_TYPES)[number];

/** One change to one campaign, provider-neutral, as the log holds it. */
export interface CampaignEvent {
  /** `<ms>-<seq>`, as Redis Streams number entries: ordered within one log. */
  readonly id: string;
  readonly type: CampaignEventType;
  readonly provider: Provider;
  /** When the provider says it happened. */
  readonly occurredAt: Date;
  readonly providerId: string;
  readonly status: CampaignStatus | null;
  readonly previousStatus: CampaignStatus | null;
  /** When the gateway recorded it (epoch ms): the start of the delivery lag. */
  readonly recordedAt: number;
}

/** What an intake hands the log; `sourceId` (the provider's own event id) drops repeated deliveries. */
export interface NewCampaignEvent {
  readonly type: CampaignEventType;
  readonly provider: Provider;
  readonly occurredAt: Date;
  readonly providerId: string;
  readonly status: CampaignStatus | null;
  readonly previousStatus: CampaignStatus | null;
  readonly sourceId?: string | undefined;
}

export interface EventId {
  readonly ms: number;
  readonly seq: number;
}

const EVENT_ID = /^(\d{1,15})-(\d{1,15})$/;

/** Null for anything that is not an id this log could have issued. */
export function parseEventId(raw: string): EventId | null {
  const match = EVENT_ID.exec(raw);
  if (match?.[1] === undefined || match[2] === undefined) return null;
  const ms = Number(match[1]);
  const seq = Number(match[2]);
  return Number.isSafeInteger(ms) && Number.isSafeInteger(seq) ? { ms, seq } : null;
}

export function compareEventIds(a: EventId, b: EventId): number {
  return a.ms === b.ms ? a.seq - b.seq : a.ms - b.ms;
}

export function formatEventId(id: EventId): string {
  return `${id.ms}-${id.seq}`;
}

export interface RetentionPolicy {
  /** Events older than this are trimmed. */
  maxAgeMs: number;
  /** At most this many events are kept (the oldest go first). */
  maxCount: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { maxAgeMs: 24 * 60 * 60 * 1000, maxCount: 10_000 };

export type AppendResult = { recorded: true; event: CampaignEvent } | { recorded: false };

/** Where resuming stands: events strictly after an id, or `expired` when some of them were trimmed. */
export type ReadAfterResult = { expired: false; events: CampaignEvent[] } | { expired: true };

/**
 * The gateway's event log: ordered, bounded, deduplicated by source id. In memory for one process, or Redis
 * Streams shared by the replicas; both behave the same to the subscription.
 */
export interface EventLog {
  /** Records the event unless its sourceId was seen within the retention. */
  append(event: NewCampaignEvent): Promise<AppendResult>;
  /** The retained events strictly after `after`, oldest first, at most `limit`. */
  readAfter(after: EventId, limit: number): Promise<ReadAfterResult>;
  /** Newly recorded events (by any replica sharing the log), in log order. */
  listen(listener: (event: CampaignEvent) => void): () => void;
  close(): Promise<void>;
}
