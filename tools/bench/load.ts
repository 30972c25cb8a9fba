import autocannon from 'autocannon';

export interface HttpRequestSpec {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  seconds: number;
  responses: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
}

/**
 * One closed-loop autocannon run: `connections` clients each send the next request as soon as the previous
 * answer arrived. Latencies are collected here rather than read from autocannon's histogram, which rounds to
 * whole milliseconds: too coarse for the sub-millisecond rows.
 */
export function runLoad(request: HttpRequestSpec, connections: number, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const options: autocannon.Options = {
      url: request.url,
      method: request.method,
      headers: request.headers,
      connections,
      duration: seconds,
      timeout: 10,
    };
    if (request.body !== undefined) options.body = request.body;
    const instance = autocannon(options, (error, result) => {
      if (error !== null) {
        reject(error);
        return;
      }
      const elapsed = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      resolve({
        seconds: elapsed,
        responses: latencies.length,
        requestsPerSecond: latencies.length / elapsed,
        p50Ms: percentile(latencies, 0.5),
        p99Ms: percentile(latencies, 0.99),
        non2xx: result.non2xx,
        errors: result.errors,
      });
    });
    instance.on('response', (_client, _status, _bytes, responseTimeMs) => {
      latencies.push(responseTimeMs);
    });
  });
}

/** Nearest-rank percentile of ascending values; NaN when there are none. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}
