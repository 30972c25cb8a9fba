import type { Plugin } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { UpstreamCache } from '../cache/upstreamCache.js';
import type { EventsConfig, ProviderConfig } from '../config.js';
import type { Metrics } from '../observability/metrics.js';
import type { ProviderClient, ProviderModule } from '../providers/provider.js';
import { createEventRecorder, type EventRecorder } from './intake.js';
import { LiveEvents } from './live.js';
import { useLiveEvents } from './livePlugin.js';
import { MemoryEventLog } from './memoryLog.js';
import { type Poller, redisPollLock, startPoller } from './poller.js';
import { RedisEventLog } from './redisLog.js';
import type { EventLog } from './types.js';
import { useWebhookIntake } from './webhookPlugin.js';

export interface LiveEventsDependencies {
  clients: readonly ProviderClient[];
  /** The registry, and the configuration of each provider that has a client. */
  modules: readonly ProviderModule[];
  providers: readonly ProviderConfig[];
  logger: Logger;
  metrics?: Metrics | undefined;
  cache?: UpstreamCache | undefined;
  redis?: { client: Redis; prefix: string } | undefined;
}

export interface LiveEventsSetup {
  log: EventLog;
  recorder: EventRecorder;
  live: LiveEvents;
  /** Answer before any route check (webhook paths). */
  intakePlugins: Plugin[];
  /** After client access: they need its client id. */
  subscriptionPlugins: Plugin[];
  pollers: Poller[];
  close(): Promise<void>;
}

/** Everything issue 15 adds, wired from its configuration: the log, the intakes, the pollers, the subscriptions. */
export function createLiveEvents(config: EventsConfig, deps: LiveEventsDependencies): LiveEventsSetup {
  const { logger, metrics } = deps;
  const log: EventLog =
    deps.redis === undefined
      ? new MemoryEventLog({ retention: config.retention })
      : new RedisEventLog({
          redis: deps.redis.client,
          prefix: deps.redis.prefix,
          logger,
          retention: config.retention,
        });
  const recorder = createEventRecorder({ log, logger, cache: deps.cache, metrics });
  const live = new LiveEvents({
    log,
    clients: deps.clients,
    criteriaOf: (provider) => deps.modules.find((module) => module.provider === provider)?.filterCriteria,
    logger,
    retentionMs: config.retention.maxAgeMs,
    maxSubscriptionsPerClient: config.maxSubscriptionsPerClient,
    maxQueue: config.subscriptionQueueMax,
    ...(metrics === undefined
      ? {}
      : {
          onDelivered: (lag) => metrics.eventDelivered(lag),
          onOpenChange: (delta) => metrics.subscriptionOpened(delta),
        }),
  });
  const configOf = (provider: string) => deps.providers.find((candidate) => candidate.provider === provider);
  const intakePlugins: Plugin[] = deps.modules.flatMap((module) => {
    const providerConfig = configOf(module.provider);
    const webhook = providerConfig === undefined ? null : (module.webhook?.(providerConfig) ?? null);
    if (webhook === null) return [];
    return [
      useWebhookIntake({
        ...webhook,
        provider: module.provider,
        maxBytes: config.webhookMaxBodyBytes,
        recorder,
        logger,
        metrics,
      }),
    ];
  });
  const pollers = deps.clients.flatMap((client) => {
    const intervalMs = configOf(client.provider)?.pollIntervalMs ?? 0;
    if (intervalMs === 0) return [];
    const lock =
      deps.redis === undefined
        ? undefined
        : redisPollLock(deps.redis.client, `${deps.redis.prefix}:events:poll-lock:${client.provider}`);
    return [startPoller({ client, intervalMs, recorder, logger, lock })];
  });
  return {
    log,
    recorder,
    live,
    intakePlugins,
    subscriptionPlugins: [useLiveEvents({ events: live, keepAliveMs: config.keepAliveMs }) as Plugin],
    pollers,
    async close() {
      await Promise.allSettled(pollers.map((poller) => poller.stop()));
      await log.close();
    },
  };
}
