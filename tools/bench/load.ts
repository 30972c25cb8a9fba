import autocannon from 'autocannon';

export interface HttpRequestSpec {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * What a row sends: one method, origin and header set, and the variants (path and body) that requests take
 * in turn. One variant is identical traffic; several are varied traffic.
 */
export interface LoadSpec {
  method: 'GET' | 'POST';
  origin: string;
  headers: Record<string, string>;
  variants: readonly { path: string; body?: string }[];
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
  /** Distinct variants sent during the run. */
  variantsSent: number;
}

/** The first variant as a single request, for a row's correctness check. */
export function firstRequest(spec: LoadSpec): HttpRequestSpec {
  const variant = spec.variants[0];
  if (variant === undefined) throw new Error('a load spec needs at least one variant');
  const request: HttpRequestSpec = {
    method: spec.method,
    url: spec.origin + variant.path,
    headers: spec.headers,
  };
  if (variant.body !== undefined) request.body = variant.body;
  return request;
}

/**
 * Hands out variants in one sequence shared by every connection, so requests in flight together differ: two
 * of them are the same only if one is still waiting after `variants.length` others were sent.
 */
export function variantCycle<T>(variants: readonly T[]): () => T {
  let next = 0;
  return () => {
    const variant = variants[next % variants.length];
    next = (next + 1) % variants.length;
    if (variant === undefined) throw new Error('no variants');
    return variant;
  };
}

/**
 * One closed-loop autocannon run: `connections` clients each send the next request as soon as the previous
 * answer arrived. Latencies are collected here rather than read from autocannon's histogram, which rounds to
 * whole milliseconds: too coarse for the sub-millisecond rows.
 */
export function runLoad(spec: LoadSpec, connections: number, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const started = performance.now();
  const first = firstRequest(spec);
  const sent = new Set<number>();
  const options: autocannon.Options = {
    url: first.url,
    method: spec.method,
    headers: spec.headers,
    connections,
    duration: seconds,
    timeout: 10,
  };
  if (first.body !== undefined) options.body = first.body;
  if (spec.variants.length > 1) {
    const indexes = variantCycle(spec.variants.map((_, index) => index));
    options.requests = [
      {
        setupRequest: (request) => {
          const index = indexes();
          const variant = spec.variants[index];
          if (variant === undefined) return request;
          sent.add(index);
          const next: autocannon.RequestData = { ...request, path: variant.path };
          if (variant.body !== undefined) next.body = variant.body;
          return next;
        },
      },
    ];
  }
  return new Promise((resolve, reject) => {
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
        variantsSent: spec.variants.length > 1 ? sent.size : 1,
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
