import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { CAMPAIGN_STATUSES } from '../domain/campaign.js';
import {
  type AppendResult,
  CAMPAIGN_EVENT_TYPES,
  type CampaignEvent,
  compareEventIds,
  DEFAULT_RETENTION,
  type EventId,
  type EventLog,
  formatEventId,
  type NewCampaignEvent,
  parseEventId,
  type ReadAfterResult,
  type RetentionPolicy,
} from './types.js';

export interface RedisEventLogOptions {
  redis: Redis;
  prefix: string;
  logger: Logger;
  retention?: RetentionPolicy;
  dedupeTtlMs?: number;
  /** How long one XREAD waits; below the connection's command timeout. @default 300 */
  blockMs?: number;
}

/** What a stream entry holds besides its id; read back through zod, since another replica wrote it. */
const storedEvent = z.object({
  type: z.enum(CAMPAIGN_EVENT_TYPES),
  provider: z.string().min(1).max(64),
  occurredAt: z.iso.datetime(),
  providerId: z.string(),
  status: z.enum(CAMPAIGN_STATUSES).nullable(),
  previousStatus: z.enum(CAMPAIGN_STATUSES).nullable(),
  recordedAt: z.number(),
});

type StreamEntry = [id: string, fields: string[]];

/**
 * The event log shared by the replicas: one Redis Stream (XADD with an approximate MAXLEN, XTRIM MINID for
 * age), source ids deduplicated with SET NX PX. Each process reads new entries with one blocking XREAD loop on
 * its own connection and fans them out to its subscribers, so a webhook that reaches any replica reaches the
 * subscribers of all of them.
 */
export class RedisEventLog implements EventLog {
  readonly #redis: Redis;
  readonly #reader: Redis;
  readonly #stream: string;
  readonly #prefix: string;
  readonly #logger: Logger;
  readonly #retention: RetentionPolicy;
  readonly #dedupeTtlMs: number;
  readonly #blockMs: number;
  readonly #listeners = new Set<(event: CampaignEvent) => void>();
  #closed = false;
  #loop: Promise<void> | null = null;

  constructor(options: RedisEventLogOptions) {
    this.#redis = options.redis;
    // A blocking read holds its connection: it gets its own, so other commands are never queued behind it.
    this.#reader = options.redis.duplicate();
    this.#prefix = options.prefix;
    this.#stream = `${options.prefix}:events`;
    this.#logger = options.logger;
    this.#retention = options.retention ?? DEFAULT_RETENTION;
    this.#dedupeTtlMs = options.dedupeTtlMs ?? this.#retention.maxAgeMs;
    this.#blockMs = options.blockMs ?? 300;
  }

  async append(input: NewCampaignEvent): Promise<AppendResult> {
    const seenKey =
      input.sourceId === undefined ? undefined : `${this.#prefix}:events:seen:${input.sourceId}`;
    if (seenKey !== undefined) {
      const first = await this.#redis.set(seenKey, '1', 'PX', this.#dedupeTtlMs, 'NX');
      if (first === null) return { recorded: false };
    }
    const recordedAt = Date.now();
    const body = JSON.stringify({
      type: input.type,
      provider: input.provider,
      occurredAt: input.occurredAt.toISOString(),
      providerId: input.providerId,
      status: input.status,
      previousStatus: input.previousStatus,
      recordedAt,
    });
    try {
      const id = await this.#redis.xadd(
        this.#stream,
        'MAXLEN',
        '~',
        String(this.#retention.maxCount),
        '*',
        'e',
        body,
      );
      if (id === null) throw new Error('XADD returned no id');
      // Age trimming rides on appends: a quiet log keeps old events a little longer, never fewer.
      await this.#redis.xtrim(this.#stream, 'MINID', '~', `${recordedAt - this.#retention.maxAgeMs}-0`);
      const event = decodeEntry([id, ['e', body]]);
      if (event === null) throw new Error('recorded event does not read back');
      return { recorded: true, event };
    } catch (error) {
      // Not recorded: forget the source id, so the provider's retry is not taken for a duplicate.
      if (seenKey !== undefined) await this.#redis.del(seenKey).catch(() => undefined);
      throw error;
    }
  }

  async readAfter(after: EventId, limit: number): Promise<ReadAfterResult> {
    const info = await this.#redis.xinfo('STREAM', this.#stream).catch((error: unknown) => {
      if (error instanceof Error && /no such key/i.test(error.message)) return null;
      throw error;
    });
    const deleted = info === null ? null : maxDeletedId(info);
    if (deleted !== null && compareEventIds(after, deleted) < 0) return { expired: true };
    const entries = (await this.#redis.xrange(
      this.#stream,
      `(${formatEventId(after)}`,
      '+',
      'COUNT',
      limit,
    )) as StreamEntry[];
    return { expired: false, events: entries.flatMap((entry) => decodeEntry(entry) ?? []) };
  }

  listen(listener: (event: CampaignEvent) => void): () => void {
    const entry = (event: CampaignEvent) => listener(event);
    this.#listeners.add(entry);
    this.#loop ??= this.#readLoop();
    return () => this.#listeners.delete(entry);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    this.#reader.disconnect();
    await this.#loop?.catch(() => undefined);
  }

  async #readLoop(): Promise<void> {
    let last: string | null = null;
    while (!this.#closed) {
      try {
        if (last === null) {
          // The concrete newest id rather than `$`: an entry added between two reads is not skipped.
          const newest = (await this.#reader.xrevrange(this.#stream, '+', '-', 'COUNT', 1)) as StreamEntry[];
          last = newest[0]?.[0] ?? '0-0';
        }
        const batch = (await this.#reader.xread(
          'COUNT',
          500,
          'BLOCK',
          this.#blockMs,
          'STREAMS',
          this.#stream,
          last,
        )) as [string, StreamEntry[]][] | null;
        for (const entry of batch?.[0]?.[1] ?? []) {
          last = entry[0];
          const event = decodeEntry(entry);
          if (event === null) {
            this.#logger.warn({ id: entry[0] }, 'event log: an entry could not be read; skipped');
            continue;
          }
          for (const listener of [...this.#listeners]) listener(event);
        }
      } catch (error) {
        if (this.#closed) return;
        this.#logger.debug(
          { detail: error instanceof Error ? error.message : String(error) },
          'event log read',
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }
}

function decodeEntry([id, fields]: StreamEntry): CampaignEvent | null {
  const index = fields.indexOf('e');
  const raw = index >= 0 ? fields[index + 1] : undefined;
  if (raw === undefined || parseEventId(id) === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = storedEvent.safeParse(json);
  if (!parsed.success) return null;
  return { id, ...parsed.data, occurredAt: new Date(parsed.data.occurredAt) };
}

/** XINFO STREAM's `max-deleted-entry-id` (Redis 7+): the newest id trimmed; null before Redis 7 or when 0-0. */
function maxDeletedId(info: unknown): EventId | null {
  if (!Array.isArray(info)) return null;
  const index = info.indexOf('max-deleted-entry-id');
  const value: unknown = index >= 0 ? info[index + 1] : undefined;
  const id = typeof value === 'string' ? parseEventId(value) : null;
  return id === null || (id.ms === 0 && id.seq === 0) ? null : id;
}
