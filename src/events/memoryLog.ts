import {
  type AppendResult,
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

export interface MemoryEventLogOptions {
  /** @default 24 h and 10 000 events */
  retention?: RetentionPolicy;
  /** How long a source id is remembered to drop repeated deliveries. @default the retention's age */
  dedupeTtlMs?: number;
  now?: () => number;
}

/** The event log of a single process: an array in id order, trimmed by age and count on every append and read. */
export class MemoryEventLog implements EventLog {
  readonly #events: CampaignEvent[] = [];
  /** Source id -> when it may be forgotten; insertion order is expiry order (one TTL for all). */
  readonly #seen = new Map<string, number>();
  readonly #listeners = new Set<(event: CampaignEvent) => void>();
  readonly #retention: RetentionPolicy;
  readonly #dedupeTtlMs: number;
  readonly #now: () => number;
  #last: EventId = { ms: 0, seq: 0 };
  /** The newest id trimmed so far: a resume point before it has lost events. */
  #trimmedThrough: EventId | null = null;

  constructor(options: MemoryEventLogOptions = {}) {
    this.#retention = options.retention ?? DEFAULT_RETENTION;
    this.#dedupeTtlMs = options.dedupeTtlMs ?? this.#retention.maxAgeMs;
    this.#now = options.now ?? Date.now;
  }

  async append(input: NewCampaignEvent): Promise<AppendResult> {
    const now = this.#now();
    this.#forgetExpiredSources(now);
    if (input.sourceId !== undefined) {
      if (this.#seen.has(input.sourceId)) return { recorded: false };
      this.#seen.set(input.sourceId, now + this.#dedupeTtlMs);
    }
    // Ids never go backwards, even if the clock does.
    const ms = Math.max(now, this.#last.ms);
    this.#last = { ms, seq: ms === this.#last.ms ? this.#last.seq + 1 : 0 };
    const event: CampaignEvent = {
      id: formatEventId(this.#last),
      type: input.type,
      provider: input.provider,
      occurredAt: input.occurredAt,
      providerId: input.providerId,
      status: input.status,
      previousStatus: input.previousStatus,
      recordedAt: now,
    };
    this.#events.push(event);
    this.#trim(now);
    for (const listener of [...this.#listeners]) listener(event);
    return { recorded: true, event };
  }

  async readAfter(after: EventId, limit: number): Promise<ReadAfterResult> {
    this.#trim(this.#now());
    if (this.#trimmedThrough !== null && compareEventIds(after, this.#trimmedThrough) < 0) {
      return { expired: true };
    }
    const start = this.#firstIndexAfter(after);
    return { expired: false, events: this.#events.slice(start, start + limit) };
  }

  listen(listener: (event: CampaignEvent) => void): () => void {
    const entry = (event: CampaignEvent) => listener(event);
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }

  #firstIndexAfter(after: EventId): number {
    let low = 0;
    let high = this.#events.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const id = parseEventId(this.#events[mid]?.id ?? '');
      if (id !== null && compareEventIds(id, after) <= 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  #trim(now: number): void {
    const oldest = now - this.#retention.maxAgeMs;
    let drop = Math.max(0, this.#events.length - this.#retention.maxCount);
    while (drop < this.#events.length && (this.#events[drop]?.recordedAt ?? now) < oldest) drop++;
    if (drop === 0) return;
    const removed = this.#events.splice(0, drop);
    this.#trimmedThrough = parseEventId(removed.at(-1)?.id ?? '') ?? this.#trimmedThrough;
  }

  #forgetExpiredSources(now: number): void {
    for (const [sourceId, expiresAt] of this.#seen) {
      if (expiresAt > now) break;
      this.#seen.delete(sourceId);
    }
  }
}
