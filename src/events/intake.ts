import type { Logger } from 'pino';
import type { UpstreamCache } from '../cache/upstreamCache.js';
import type { Metrics } from '../observability/metrics.js';
import type { AppendResult, EventLog, NewCampaignEvent } from './types.js';

/** What every source of events (webhooks, pollers) records through. */
export interface EventRecorder {
  /**
   * `learnedAt`: when the read that showed the change began (epoch ms); cached answers asked for since then
   * already hold it. @default now
   */
  record(event: NewCampaignEvent, learnedAt?: number): Promise<AppendResult>;
}

export interface EventRecorderOptions {
  log: EventLog;
  logger: Logger;
  /** Its entries for the provider are dropped on each recorded event, so the next read sees the change. */
  cache?: Pick<UpstreamCache, 'invalidate'> | undefined;
  metrics?: Metrics | undefined;
}

export function createEventRecorder(options: EventRecorderOptions): EventRecorder {
  return {
    async record(event, learnedAt) {
      const result = await options.log.append(event);
      if (!result.recorded) return result;
      options.metrics?.eventRecorded(event.provider, event.type);
      // The invalidation is best effort: a failure leaves entries to age out, and must not fail the intake.
      await options.cache?.invalidate(event.provider, learnedAt).catch((error: unknown) => {
        options.logger.warn(
          { provider: event.provider, detail: error instanceof Error ? error.name : 'unknown' },
          'upstream cache invalidation failed',
        );
      });
      return result;
    },
  };
}
