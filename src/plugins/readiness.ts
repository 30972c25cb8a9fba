import type { Plugin } from 'graphql-yoga';
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
  const endpoint = options.endpoint ?? DEFAULT_READINESS_ENDPOINT;
  // Not yoga's useReadinessCheck: for every other request it also tests the URL against a URLPattern (the
  // polyfill, ~19 µs a GraphQL request, BENCHMARKS.md). Paths are matched exactly, as useKnownRoutesOnly does.
  return {
    onRequest({ url, endResponse }) {
      if (url.pathname !== endpoint) return;
      const stopping = options.isShuttingDown?.() ?? false;
      const providers = Object.fromEntries(clients.map((client) => [client.provider, client.breakerState]));
      const redis = redisState === undefined ? {} : { redis: redisState() };
      endResponse(
        Response.json(
          { status: stopping ? 'shutting-down' : 'ready', providers, ...redis },
          { status: stopping ? 503 : 200 },
        ),
      );
    },
  };
}
