import { type Cache, createInMemoryCache, useResponseCache } from '@graphql-yoga/plugin-response-cache';
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import type { Metrics } from '../observability/metrics.js';
import { clientIdentity } from '../plugins/requestInfo.js';

export interface ResponseCacheOptions {
  ttlMs: number;
  /** Shared by the replicas when set; else this process's memory. */
  redis?: { client: Redis; prefix: string };
  metrics?: Metrics;
}

/** Entries the in-memory cache keeps at most; at a few kB each this bounds it to tens of MB. */
const MEMORY_ENTRIES = 5000;

/**
 * Whole responses, keyed by document, variables, operation name and the client's credential: a client never
 * gets a response cached for another key. Results with errors (a provider down, a skipped item) are never
 * stored, so a partial page is not served again. A cache that fails is a miss, never an error.
 */
export function useGatewayResponseCache(options: ResponseCacheOptions): Plugin {
  const store =
    options.redis === undefined ? createInMemoryCache({ max: MEMORY_ENTRIES }) : redisCache(options.redis);
  return useResponseCache({
    ttl: options.ttlMs,
    session: (request) => clientIdentity(request).credential ?? 'anonymous',
    cache: counted(store, options.metrics),
    // No mutations exist, so nothing to invalidate by entity; the TTL alone ages entries.
    invalidateViaMutation: false,
  });
}

function counted(store: Cache, metrics: Metrics | undefined): Cache {
  return {
    async get(key) {
      let found: Awaited<ReturnType<Cache['get']>>;
      try {
        found = await store.get(key);
      } catch {
        found = undefined;
      }
      metrics?.cacheLookup(found !== undefined && found !== null);
      return found;
    },
    async set(key, result, entities, ttl) {
      try {
        await store.set(key, result, entities, ttl);
      } catch {
        // A result that could not be stored is only a later miss.
      }
    },
    async invalidate(entities) {
      try {
        await store.invalidate(entities);
      } catch {
        // Nothing invalidates today (no mutations); an entry then ages out by its TTL.
      }
    },
  };
}

/** Entries as JSON strings with a millisecond TTL; keys are already SHA-256 digests of the request. */
function redisCache({ client, prefix }: { client: Redis; prefix: string }): Cache {
  return {
    async get(key) {
      const text = await client.get(`${prefix}:response:${key}`);
      return text === null ? undefined : (JSON.parse(text) as ExecutionResult<Record<string, unknown>>);
    },
    async set(key, result, _entities, ttl) {
      if (!Number.isFinite(ttl) || ttl <= 0) return;
      await client.set(`${prefix}:response:${key}`, JSON.stringify(result), 'PX', Math.ceil(ttl));
    },
    invalidate() {},
  };
}
