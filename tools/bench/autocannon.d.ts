// autocannon ships no types and @types/autocannon lags v8; this covers only what the bench uses.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    /** The request autocannon is about to build; `setupRequest` may return a changed copy. */
    interface RequestData {
      method?: 'GET' | 'POST';
      path?: string;
      headers?: Record<string, string>;
      body?: string;
    }

    interface RequestTemplate {
      setupRequest?: (request: RequestData) => RequestData;
    }

    interface Options {
      url: string;
      connections?: number;
      /** Seconds. */
      duration?: number;
      method?: 'GET' | 'POST';
      headers?: Record<string, string>;
      body?: string;
      pipelining?: number;
      /** Cycled per connection; with `setupRequest`, rebuilt before every request. */
      requests?: RequestTemplate[];
      /** Seconds before a request counts as timed out. */
      timeout?: number;
    }

    interface Stats {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p99: number;
    }

    interface Result {
      /** Seconds the run actually lasted. */
      duration: number;
      requests: Stats;
      latency: Stats;
      errors: number;
      timeouts: number;
      non2xx: number;
      resets: number;
      '2xx': number;
    }

    interface Instance extends EventEmitter {
      stop(): void;
      on(
        event: 'response',
        listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void,
      ): this;
    }
  }

  function autocannon(
    options: autocannon.Options,
    callback: (error: Error | null, result: autocannon.Result) => void,
  ): autocannon.Instance;

  export = autocannon;
}
