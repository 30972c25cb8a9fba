import { type Plugin, useReadinessCheck } from 'graphql-yoga';
import type { ProviderClient } from '../providers/provider.js';
import type { RedisState } from '../scaleout/redis.js';

export interface ReadinessOptions {
  /** Their circuit states are reported, one entry per provider. */
  clients: readonly ProviderClient[];
  /**
   * True once shutdown began: the answer turns 503 so the load balancer stops sending traffic.
   * @default () => false
   */
  isShuttingDown?: () => boolean;
  /** Reported when replicas share state through Redis; absent, the answer has no `redis` entry. */
  redisState?: () => RedisState;
  /** @default '/readyz' */
  endpoint?: string;
}

export const DEFAULT_READINESS_ENDPOINT = '/readyz';

/**
 * `{"status":"ready","providers":{…}}`: ready unless shutting down. A provider with an open circuit leaves the
 * gateway ready: every replica sees the same provider, and the other providers are still served. Redis
 * unreachable keeps it ready too: the replica falls back to local limits and no shared cache.
 */
export function useReadiness(options: ReadinessOptions): Plugin {
  const { clients, redisState } = options;
  return useReadinessCheck({
    endpoint: options.endpoint ?? DEFAULT_READINESS_ENDPOINT,
    check: () => {
      const stopping = options.isShuttingDown?.() ?? false;
      const providers = Object.fromEntries(clients.map((client) => [client.provider, client.breakerState]));
      const redis = redisState === undefined ? {} : { redis: redisState() };
      return Response.json(
        { status: stopping ? 'shutting-down' : 'ready', providers, ...redis },
        { status: stopping ? 503 : 200 },
      );
    },
  });
}
