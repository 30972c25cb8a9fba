import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../observability/metrics.js';

export interface MetricsEndpointOptions {
  metrics: Metrics;
  /**
   * Where Prometheus scrapes.
   * @default '/metrics'
   */
  path?: string;
}

export const DEFAULT_METRICS_PATH = '/metrics';

/** Prometheus text on GET; meant for the cluster's scraper, not to be routed from the internet. */
export function useMetricsEndpoint(options: MetricsEndpointOptions): Plugin {
  const { registry } = options.metrics;
  const path = options.path ?? DEFAULT_METRICS_PATH;
  return {
    async onRequest({ url, request, endResponse }) {
      if (url.pathname !== path || request.method !== 'GET') return;
      endResponse(
        new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType } }),
      );
    },
  };
}
