import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CacheOutcome } from '../cache/upstreamCache.js';
import type { Provider } from '../domain/campaign.js';
import type { ProviderClient } from '../providers/provider.js';
import { PROVIDER_MODULES } from '../providers/registry.js';
import type { UpstreamObserver } from './upstreamObserver.js';

const BREAKER_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * One Prometheus registry per gateway instance (tests run several in one process). Labels are bounded sets
 * only: provider, HTTP status, error code. Operation names come from clients and never become labels.
 */
/** `providers`: those whose series exist from the start (the configured ones). */
export function createMetrics(
  providers: readonly Provider[] = PROVIDER_MODULES.map((module) => module.provider),
) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gateway_' });

  const requests = new Counter({
    name: 'gateway_http_requests_total',
    help: 'GraphQL HTTP requests answered, by HTTP status.',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const requestDuration = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'Time from receiving a GraphQL request to its response headers.',
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'gateway_graphql_errors_total',
    help: 'Errors returned to clients, by extensions.code.',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const upstreamRequests = new Counter({
    name: 'gateway_upstream_requests_total',
    help: 'Upstream attempts, by provider and HTTP status (or timeout, network, too-large).',
    labelNames: ['provider', 'status'] as const,
    registers: [registry],
  });
  const upstreamDuration = new Histogram({
    name: 'gateway_upstream_request_duration_seconds',
    help: 'Duration of each upstream attempt, body included, by provider.',
    labelNames: ['provider'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const upstreamRetries = new Counter({
    name: 'gateway_upstream_retries_total',
    help: 'Upstream retries after a retryable failure, by provider.',
    labelNames: ['provider'] as const,
    registers: [registry],
  });
  const cacheLookups = new Counter({
    name: 'gateway_response_cache_lookups_total',
    help: 'Response cache lookups, by result (hit or miss).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const upstreamCacheLookups = new Counter({
    name: 'gateway_upstream_cache_lookups_total',
    help:
      'Shared upstream cache lookups, by provider and result: fresh, stale (served while one refresh runs), ' +
      'miss, shared (answered by a fetch already running), stale_if_error, saturated (stale served rather ' +
      'than queueing for the quota).',
    labelNames: ['provider', 'result'] as const,
    registers: [registry],
  });
  let cacheBytes: () => number = () => 0;
  new Gauge({
    name: 'gateway_upstream_cache_bytes',
    help: 'Size of the shared upstream cache in memory, as counted against UPSTREAM_CACHE_MAX_BYTES.',
    registers: [registry],
    collect() {
      this.set(cacheBytes());
    },
  });
  let watched: readonly ProviderClient[] = [];
  new Gauge({
    name: 'gateway_upstream_circuit_state',
    help: 'Circuit breaker state by provider: 0 closed, 1 half-open, 2 open.',
    labelNames: ['provider'] as const,
    registers: [registry],
    collect() {
      for (const client of watched)
        this.set({ provider: client.provider }, BREAKER_VALUE[client.breakerState]);
    },
  });
  const webhooks = new Counter({
    name: 'gateway_webhooks_total',
    help:
      'Webhook deliveries, by provider and outcome: received, verified (signature good), rejected (401/413/400), ' +
      'duplicate (an event id already recorded), ignored (event type or version the gateway does not use).',
    labelNames: ['provider', 'outcome'] as const,
    registers: [registry],
  });
  const eventsRecorded = new Counter({
    name: 'gateway_events_recorded_total',
    help: 'Campaign events appended to the event log by this replica, by provider and type.',
    labelNames: ['provider', 'type'] as const,
    registers: [registry],
  });
  const subscriptionsOpen = new Gauge({
    name: 'gateway_subscriptions_open',
    help: 'campaignEvents subscriptions open on this replica (SSE and WebSocket).',
    registers: [registry],
  });
  const deliveryLag = new Histogram({
    name: 'gateway_event_delivery_lag_seconds',
    help: 'Time from an event being recorded (by any replica) to its delivery to a subscriber.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60],
    registers: [registry],
  });
  // Every provider's series exist from the start, so a dashboard shows zero rather than no data.
  for (const provider of providers) {
    upstreamRetries.inc({ provider }, 0);
    upstreamDuration.zero({ provider });
  }

  const upstream: UpstreamObserver = {
    attempt(provider, outcome, durationMs) {
      upstreamRequests.inc({ provider, status: String(outcome) });
      upstreamDuration.observe({ provider }, durationMs / 1000);
    },
    retry(provider) {
      upstreamRetries.inc({ provider });
    },
  };

  return {
    registry,
    upstream,
    watchBreakers(clients: readonly ProviderClient[]) {
      watched = clients;
    },
    request(status: number, durationMs: number, errorCodes: readonly string[]) {
      requests.inc({ status: String(status) });
      requestDuration.observe(durationMs / 1000);
      for (const code of errorCodes) errors.inc({ code });
    },
    upstreamCacheLookup(provider: Provider, result: CacheOutcome) {
      upstreamCacheLookups.inc({ provider, result });
    },
    watchUpstreamCache(size: () => number) {
      cacheBytes = size;
    },
    webhook(provider: Provider, outcome: 'received' | 'verified' | 'rejected' | 'duplicate' | 'ignored') {
      webhooks.inc({ provider, outcome });
    },
    eventRecorded(provider: Provider, type: string) {
      eventsRecorded.inc({ provider, type });
    },
    subscriptionOpened(delta: 1 | -1) {
      subscriptionsOpen.inc(delta);
    },
    eventDelivered(lagMs: number) {
      deliveryLag.observe(Math.max(0, lagMs) / 1000);
    },
    cacheLookup(hit: boolean) {
      cacheLookups.inc({ result: hit ? 'hit' : 'miss' });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
