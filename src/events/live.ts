import type { GraphQLError } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { Campaign, CampaignFilter, Provider } from '../domain/campaign.js';
import {
  BadUserInputError,
  EventsExpiredError,
  SlowConsumerError,
  TooManySubscriptionsError,
} from '../errors.js';
import type { ProviderClient, ProviderFilterCriteria } from '../providers/provider.js';
import { eventMatches } from './filter.js';
import { type CampaignEvent, compareEventIds, type EventId, type EventLog, parseEventId } from './types.js';

/** What a subscription yields: an event, or the error that ends it (graphql-js turns it into a result). */
export type LivePayload = { readonly event: CampaignEvent } | { readonly error: GraphQLError };

export interface LiveEventsOptions {
  log: EventLog;
  clients: readonly ProviderClient[];
  /** A provider's own filter criteria (its module's). */
  criteriaOf: (provider: Provider) => ProviderFilterCriteria | undefined;
  logger: Logger;
  /** Stated in EVENTS_EXPIRED's message. */
  retentionMs: number;
  /** @default 10 */
  maxSubscriptionsPerClient?: number;
  /** Events waiting for one slow subscriber before it is dropped. @default 1000 */
  maxQueue?: number;
  /** Bound on a campaign load for an event. @default 15000 */
  loadDeadlineMs?: number;
  /** Called with each delivery's lag (ms from recording to handing it to the transport). */
  onDelivered?: (lagMs: number) => void;
  onOpenChange?: (delta: 1 | -1) => void;
}

const BACKLOG_PAGE = 500;

/**
 * The subscription side of the event log, one per process: opens per-subscriber streams (backlog after a
 * resume point, then live events, in id order and none twice), counts open subscriptions per client, and
 * loads an event's campaign once per process however many subscribers ask (an LRU keyed by event id).
 */
export class LiveEvents {
  readonly #options: LiveEventsOptions;
  readonly #open = new Map<string, number>();
  readonly #campaigns = new LRUCache<string, Promise<Campaign | null>>({ max: 2000, ttl: 30_000 });
  readonly #clients: Map<Provider, ProviderClient>;

  constructor(options: LiveEventsOptions) {
    this.#options = options;
    this.#clients = new Map(options.clients.map((client) => [client.provider, client]));
  }

  /** Parses `after`/`Last-Event-ID`; a malformed one is BAD_USER_INPUT before anything else happens. */
  static parseAfter(raw: string | null, argument: string): EventId | null {
    if (raw === null) return null;
    const id = parseEventId(raw);
    if (id === null)
      throw new BadUserInputError(
        `\`${argument}\` is not an event id. Pass the \`id\` of an event this gateway sent, unchanged.`,
        { argument },
      );
    return id;
  }

  /** The campaign of an event as the gateway can load it now; null if it cannot. */
  campaignOf(event: CampaignEvent): Promise<Campaign | null> {
    let pending = this.#campaigns.get(event.id);
    if (pending === undefined) {
      pending = this.#load(event);
      this.#campaigns.set(event.id, pending);
    }
    return pending;
  }

  /**
   * Opens one subscriber's stream. Throws TOO_MANY_SUBSCRIPTIONS and EVENTS_EXPIRED here, before the stream
   * starts, so they reach the client as an ordinary error response.
   */
  async open(
    client: string,
    filter: CampaignFilter,
    after: EventId | null,
    signal: AbortSignal | undefined,
  ): Promise<AsyncGenerator<LivePayload>> {
    const max = this.#options.maxSubscriptionsPerClient ?? 10;
    const count = this.#open.get(client) ?? 0;
    if (count >= max) throw new TooManySubscriptionsError(max);
    this.#open.set(client, count + 1);
    this.#options.onOpenChange?.(1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.#open.get(client) ?? 1) - 1;
      if (left <= 0) this.#open.delete(client);
      else this.#open.set(client, left);
      this.#options.onOpenChange?.(-1);
    };

    const maxQueue = this.#options.maxQueue ?? 1000;
    const queue: CampaignEvent[] = [];
    let overflowed = false;
    let wake: (() => void) | null = null;
    // Listen before reading the backlog: an event recorded in between is queued, then skipped if read twice.
    const unlisten = this.#options.log.listen((event) => {
      if (overflowed) return;
      if (queue.length >= maxQueue) overflowed = true;
      else queue.push(event);
      wake?.();
    });
    const onAbort = () => wake?.();
    signal?.addEventListener('abort', onAbort);
    const stop = () => {
      unlisten();
      signal?.removeEventListener('abort', onAbort);
      release();
    };

    let backlog: CampaignEvent[] = [];
    let backlogFull = false;
    try {
      if (after !== null) {
        const first = await this.#options.log.readAfter(after, BACKLOG_PAGE);
        if (first.expired) throw new EventsExpiredError(this.#options.retentionMs);
        backlog = first.events;
        backlogFull = backlog.length === BACKLOG_PAGE;
      }
    } catch (error) {
      stop();
      throw error;
    }
    return this.#stream(filter, after, backlog, backlogFull, queue, {
      overflowed: () => overflowed,
      wait: () =>
        new Promise<void>((resolve) => {
          wake = () => {
            wake = null;
            resolve();
          };
        }),
      aborted: () => signal?.aborted === true,
      stop,
    });
  }

  async *#stream(
    filter: CampaignFilter,
    after: EventId | null,
    firstPage: CampaignEvent[],
    more: boolean,
    queue: CampaignEvent[],
    control: {
      overflowed(): boolean;
      wait(): Promise<void>;
      aborted(): boolean;
      stop(): void;
    },
  ): AsyncGenerator<LivePayload> {
    let last: EventId | null = after;
    let lastId: string | null = null;
    const fresh = (event: CampaignEvent) => {
      const id = parseEventId(event.id);
      return id !== null && (last === null || compareEventIds(id, last) > 0) ? id : null;
    };
    const deliver = async (event: CampaignEvent): Promise<boolean> => {
      const id = fresh(event);
      if (id === null) return false;
      last = id;
      lastId = event.id;
      return eventMatches(
        filter,
        event,
        () => this.campaignOf(event),
        this.#options.criteriaOf(event.provider),
      );
    };
    try {
      let page = firstPage;
      let hasMore = more;
      for (;;) {
        for (const event of page) {
          if (await deliver(event)) {
            this.#options.onDelivered?.(Date.now() - event.recordedAt);
            yield { event };
          }
        }
        if (!hasMore || last === null) break;
        const next = await this.#options.log.readAfter(last, BACKLOG_PAGE);
        if (next.expired) {
          yield { error: new EventsExpiredError(this.#options.retentionMs) };
          return;
        }
        page = next.events;
        hasMore = page.length === BACKLOG_PAGE;
      }
      while (!control.aborted()) {
        if (control.overflowed()) {
          this.#options.logger.warn({ lastEventId: lastId }, 'slow subscriber dropped');
          yield { error: new SlowConsumerError(lastId) };
          return;
        }
        const event = queue.shift();
        if (event === undefined) {
          await control.wait();
          continue;
        }
        if (await deliver(event)) {
          this.#options.onDelivered?.(Date.now() - event.recordedAt);
          yield { event };
        }
      }
    } finally {
      control.stop();
    }
  }

  async #load(event: CampaignEvent): Promise<Campaign | null> {
    const client = this.#clients.get(event.provider);
    if (client === undefined) return null;
    const session = client.openSession({
      signal: undefined,
      requestId: `event-${event.id}`,
      deadline: Date.now() + (this.#options.loadDeadlineMs ?? 15_000),
      noteStale: () => undefined,
    });
    try {
      return await session.load(event.providerId);
    } catch (error) {
      this.#campaigns.delete(event.id);
      this.#options.logger.debug(
        { provider: event.provider, code: (error as { extensions?: { code?: unknown } }).extensions?.code },
        'event campaign could not be loaded',
      );
      return null;
    }
  }
}
