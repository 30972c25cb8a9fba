import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { readCampaignPage } from '../campaigns/connection.js';
import { type Campaign, EMPTY_FILTER } from '../domain/campaign.js';
import { CursorCodec } from '../pagination/cursor.js';
import type { ProviderClient } from '../providers/provider.js';
import type { EventRecorder } from './intake.js';
import type { NewCampaignEvent } from './types.js';

/** Decides which replica polls a provider; without Redis the process is alone and always holds it. */
export interface PollLock {
  /** Takes or renews the lock for `ttlMs`; false when another replica holds it. */
  hold(ttlMs: number): Promise<boolean>;
  release(): Promise<void>;
}

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * How long a poll waits for a Redis connection on its way up. The first poll is due as the gateway is built,
 * before the connection is ready, and commands are not queued meanwhile: that poll used to fail, so with
 * Redis the baseline came one interval late and the changes of the first interval were never events.
 */
const CONNECTION_WAIT_MS = 1000;

/** SET NX PX, renewed by its owner only (a Lua check-and-set), so two replicas never both think they poll. */
export function redisPollLock(redis: Redis, key: string): PollLock {
  const owner = randomUUID();
  return {
    async hold(ttlMs) {
      await connected(redis, CONNECTION_WAIT_MS);
      return Number(await redis.eval(RENEW, 1, key, owner, String(ttlMs))) === 1;
    },
    async release() {
      await redis.eval(RELEASE, 1, key, owner).catch(() => undefined);
    },
  };
}

/** Resolves once the connection is ready, it is closed for good, or `timeoutMs` has passed. */
function connected(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready' || redis.status === 'end') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      redis.off('end', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
    redis.once('end', done);
  });
}

export interface PollerOptions {
  client: ProviderClient;
  intervalMs: number;
  recorder: EventRecorder;
  logger: Logger;
  lock?: PollLock | undefined;
  /** How many of the newest campaigns each poll compares. @default 100 (one page) */
  window?: number;
  /** Bound on one poll's upstream work. @default 15000 */
  deadlineMs?: number;
}

interface Seen {
  status: Campaign['status'];
  /** Everything but the status, to tell UPDATED from nothing. */
  rest: string;
}

/**
 * Turns a provider without webhooks into events: every interval it reads the newest campaigns through an
 * ordinary provider session (the same quota, rate limit and shared cache as any request), compares them
 * with the previous poll and records CREATED, STATUS_CHANGED and UPDATED. The first poll (and the first
 * after another replica held the lock) only sets the baseline: changes before it are not known.
 */
export function startPoller(options: PollerOptions) {
  const { client, recorder, logger } = options;
  const window = options.window ?? 100;
  const codec = new CursorCodec(randomUUID());
  let baseline: Map<string, Seen> | null = null;
  let oldestSeen = Number.NEGATIVE_INFINITY;
  let running: Promise<void> | null = null;
  let stopped = false;

  async function pollOnce(): Promise<void> {
    if (options.lock !== undefined) {
      const held = await options.lock.hold(options.intervalMs * 3).catch(() => false);
      if (!held) {
        baseline = null;
        return;
      }
    }
    const session = client.openSession({
      signal: undefined,
      requestId: `poll-${client.provider}-${Date.now()}`,
      deadline: Date.now() + (options.deadlineMs ?? 15_000),
      noteStale: () => undefined,
    });
    const streams = session.streams({ ...EMPTY_FILTER, providers: [client.provider], includeArchived: true });
    // One poll's changes are one invalidation: every event it records is stamped with this instant, so answers
    // fetched between two of them are kept rather than thrown away (issue 12's calls across replicas).
    const learnedAt = Date.now();
    const page = await readCampaignPage(streams, { first: window }, codec);
    if (page.failures.length > 0) return; // A partial read would look like deletions and creations.
    const now = new Map<string, Seen>();
    const campaigns = page.edges.map((edge) => edge.node as Campaign);
    for (const campaign of campaigns) {
      const { status, providerStatus: _raw, ...rest } = campaign;
      now.set(campaign.providerId, { status, rest: JSON.stringify(rest) });
    }
    const previous = baseline;
    const previousOldest = oldestSeen;
    baseline = now;
    oldestSeen = Math.min(...campaigns.map((campaign) => campaign.createdAt.getTime()));
    if (previous === null) return;
    const occurredAt = new Date();
    for (const campaign of campaigns) {
      const before = previous.get(campaign.providerId);
      const seen = now.get(campaign.providerId);
      if (seen === undefined) continue;
      const base = { provider: client.provider, providerId: campaign.providerId, occurredAt };
      let event: NewCampaignEvent | null = null;
      if (before === undefined) {
        // Older than the previous window: it slid in because a newer one went away, it is not new.
        if (campaign.createdAt.getTime() >= previousOldest)
          event = { ...base, type: 'CREATED', status: seen.status, previousStatus: null };
      } else if (before.status !== seen.status) {
        event = { ...base, type: 'STATUS_CHANGED', status: seen.status, previousStatus: before.status };
      } else if (before.rest !== seen.rest) {
        event = { ...base, type: 'UPDATED', status: seen.status, previousStatus: seen.status };
      }
      if (event !== null) await recorder.record(event, learnedAt);
    }
  }

  const tick = () => {
    if (stopped || running !== null) return;
    running = pollOnce()
      .catch((error: unknown) =>
        logger.warn(
          { provider: client.provider, detail: error instanceof Error ? error.name : 'unknown' },
          'poll failed; the next one retries',
        ),
      )
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  tick();

  return {
    /** One poll now, as the timer would (tests). */
    pollOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await options.lock?.release();
    },
  };
}

export type Poller = ReturnType<typeof startPoller>;
