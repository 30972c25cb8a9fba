import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Provider } from '../domain/campaign.js';
import type { SharedRateLimit } from '../http/resilientCalls.js';
import { StartWindow } from '../http/startWindow.js';
import { TransportError } from '../http/transportFailure.js';

/**
 * A sliding-window log in a sorted set, kept by Redis's own clock so replicas with drifting clocks still
 * agree: a request is allowed when fewer than `limit` were allowed in the last `window` ms. Returns 0 when
 * allowed (and recorded), else the ms until the oldest entry leaves the window.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

/** Each replica says it is alive; the count tells a replica its fair share when Redis is gone. */
const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('ZCARD', KEYS[1])
`;

const HEARTBEAT_EVERY_MS = 2000;
const REPLICA_TTL_MS = 10_000;

export interface SharedRateLimitsOptions {
  redis: Redis;
  /** Key prefix, so several gateways (or tests) can share one Redis. */
  prefix: string;
  windowMs: number;
  /** The share to take while Redis is unreachable before this replica has counted the others. */
  expectedReplicas: number;
}

/**
 * Provider rate limits shared by every replica through Redis. Each replica keeps its own limiter too (in
 * ResilientCalls); this one adds the cluster-wide bound. When Redis fails, a replica limits itself to its
 * share, the provider's limit divided by the replicas it last saw alive, so the providers stay within their
 * limits while Redis is away.
 */
export function createSharedRateLimits(options: SharedRateLimitsOptions) {
  const { redis, prefix, windowMs } = options;
  const replicaId = randomUUID();
  let replicasSeen = Math.max(1, options.expectedReplicas);
  let sequence = 0;

  const heartbeat = async () => {
    try {
      const count = Number(await redis.eval(HEARTBEAT, 1, `${prefix}:replicas`, replicaId, REPLICA_TTL_MS));
      if (Number.isInteger(count) && count > 0) replicasSeen = count;
    } catch {
      // Keep the last count: it is what the fallback needs.
    }
  };
  // The first beat must not wait two seconds after connecting: until it lands the share is a guess.
  redis.on('ready', () => void heartbeat());
  void heartbeat();
  const timer = setInterval(() => void heartbeat(), HEARTBEAT_EVERY_MS);
  timer.unref();

  return {
    get replicasSeen() {
      return replicasSeen;
    },
    forProvider(provider: Provider, limit: number): SharedRateLimit {
      const key = `${prefix}:rate:${provider}`;
      let fallback: { share: number; notBefore: number; starts: StartWindow } | undefined;
      const throttleLocally = async (deadline: number | undefined) => {
        const share = Math.max(1, Math.floor(limit / replicasSeen));
        if (fallback?.share !== share) {
          // The window Redis was counting is unknown here: the fallback starts once it has passed.
          fallback = { share, notBefore: Date.now() + windowMs, starts: new StartWindow(share, windowMs) };
        }
        // A concurrent acquire that reached Redis again clears `fallback` while this one waits: keep its own.
        const local = fallback;
        const wait = local.notBefore - Date.now();
        if (deadline !== undefined && Date.now() + Math.max(wait, 0) > deadline) throw tooLate(wait);
        if (wait > 0) await sleep(wait);
        await local.starts.run(async () => undefined);
        // A slot that came after the deadline would spend the provider's quota on an answer nobody awaits.
        if (deadline !== undefined && Date.now() > deadline) throw tooLate(0);
      };
      const tooLate = (waitMs: number) =>
        new TransportError({
          kind: 'shared_rate_limited',
          retryable: false,
          retryAfterMs: Math.max(0, waitMs),
        });
      return {
        async acquire(deadline) {
          for (;;) {
            let waitMs: number;
            try {
              waitMs = Number(
                await redis.eval(ACQUIRE, 1, key, limit, windowMs, `${replicaId}:${sequence++}`),
              );
            } catch {
              await throttleLocally(deadline);
              return;
            }
            // Redis is back: the next outage starts its fallback afresh.
            fallback = undefined;
            if (waitMs <= 0) return;
            if (deadline !== undefined && Date.now() + waitMs > deadline) throw tooLate(waitMs);
            await sleep(waitMs);
          }
        },
      };
    },
    close() {
      clearInterval(timer);
    },
  };
}

export type SharedRateLimits = ReturnType<typeof createSharedRateLimits>;
