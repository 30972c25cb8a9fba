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
  const endpoint = options.endpoint ?? DEFAULT_READINESS_ENDPOINT;
  // Not yoga's useReadinessCheck: for every other request it also tests the URL against a URLPattern (the
  // polyfill, ~19 µs a GraphQL request, BENCHMARKS.md). Paths are matched exactly, as useKnownRoutesOnly does.
  return {
    onRequest({ url, endResponse }) {
      if (url.pathname !== endpoint) return;
      endResponse(readiness(options));
    },
  };
}

/** A check that throws answers 503, as yoga's useReadinessCheck did: a load balancer reads "not ready", not a 500. */
function readiness({ clients, redisState, isShuttingDown }: ReadinessOptions): Response {
  try {
    const stopping = isShuttingDown?.() ?? false;
    const providers = Object.fromEntries(clients.map((client) => [client.provider, client.breakerState]));
    const redis = redisState === undefined ? {} : { redis: redisState() };
    return Response.json(
      { status: stopping ? 'shutting-down' : 'ready', providers, ...redis },
      { status: stopping ? 503 : 200 },
    );
  } catch {
    return Response.json({ status: 'unknown' }, { status: 503 });
  }
}
