import type { Logger } from 'pino';
import { type App, createApp } from './app.js';
import type { Config } from './config.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import type { ProviderClient } from './providers/provider.js';
import { createProviderClients } from './providers/registry.js';

export interface Gateway {
  app: App;
  clients: readonly ProviderClient[];
  metrics: Metrics;
  /** Closes upstream pools and flushes traces; the HTTP server is the caller's. */
  close(): Promise<void>;
}

/** Everything `main` and the demo serve, wired from one configuration. */
export async function createGateway(
  config: Config,
  logger: Logger,
  extras: { isShuttingDown?: () => boolean } = {},
): Promise<Gateway> {
  const stopTracing =
    config.tracesEndpoint === undefined
      ? undefined
      : (await import('./observability/tracingSdk.js')).startTracing(config.tracesEndpoint);
  const metrics = createMetrics();
  const clients = createProviderClients(config.providers, {
    ...config.upstream,
    observer: metrics.upstream,
    onBreakerChange: (provider, state) =>
      logger[state === 'closed' ? 'info' : 'warn'](
        { provider, breaker: state },
        `${provider} circuit ${state}`,
      ),
  });
  metrics.watchBreakers(clients);
  if (config.security.apiKeys.length === 0) {
    logger.warn(
      'CLIENT AUTHENTICATION IS OFF: anyone who can reach this gateway can query it with its provider keys. ' +
        'Set GATEWAY_API_KEYS to require `Authorization: Bearer <key>`.',
    );
  }
  const app = createApp({
    clients,
    logger,
    metrics,
    graphiql: config.graphiql,
    security: config.security,
    tracing: stopTracing !== undefined,
    requestDeadlineMs: config.requestDeadlineMs,
    ...(extras.isShuttingDown === undefined ? {} : { isShuttingDown: extras.isShuttingDown }),
  });
  return {
    app,
    clients,
    metrics,
    async close() {
      await Promise.allSettled(clients.map((client) => client.close()));
      await stopTracing?.();
    },
  };
}
