import type { Logger } from 'pino';

export type RedisState = 'connected' | 'unreachable';

/**
 * The Redis connection shared state lives in, tuned to fail fast: commands are not queued while the
 * connection is down and time out after half a second, so a lost Redis costs a request a local fallback,
 * not a wait. ioredis keeps reconnecting in the background; state changes are logged once each.
 *
 * ioredis is loaded here, when a Redis URL is configured, not at startup: without Redis its code and source
 * (0.7 MiB of live heap after createGateway) would only sit in the old generation, which V8 lets grow to a
 * few times what is live.
 */
export async function connectRedis(url: string, logger: Logger) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    commandTimeout: 500,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  let state: RedisState = 'unreachable';
  let announced: RedisState | null = null;
  const become = (next: RedisState, detail?: string) => {
    state = next;
    if (announced === next) return;
    announced = next;
    if (next === 'connected') logger.info('redis connected: rate limits and the response cache are shared');
    else
      logger.warn(
        { detail },
        'redis unreachable: each replica falls back to its own share of the rate limits and no shared cache',
      );
  };
  redis.on('ready', () => become('connected'));
  // The message names host and port at most; the URL (which may hold a password) is never logged.
  redis.on('error', (error: Error & { code?: string }) => become('unreachable', error.code ?? error.name));
  redis.on('close', () => become('unreachable', 'connection closed'));
  return {
    redis,
    get state(): RedisState {
      return state;
    },
    async close() {
      redis.disconnect();
    },
  };
}

export type RedisConnection = Awaited<ReturnType<typeof connectRedis>>;
