import { BrokenCircuitError, type CircuitBreakerPolicy } from 'cockatiel';
import pLimit, { type LimitFunction } from 'p-limit';
import pThrottle from 'p-throttle';
import { type Dispatcher, Pool, errors as undiciErrors } from 'undici';
import type { Provider } from '../domain/campaign.js';
import {
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamRateLimitedError,
  UpstreamUnauthorizedError,
  UpstreamUnavailableError,
} from '../errors.js';
import { inSpan, SpanKind } from '../observability/tracing.js';
import type { AttemptOutcome, UpstreamObserver } from '../observability/upstreamObserver.js';
import { parseJsonFast } from './jsonBody.js';
import {
  type BreakerOptions,
  type BreakerState,
  backoffDelay,
  breakerState,
  createBreaker,
  DEFAULT_BREAKER,
  DEFAULT_RETRY,
  RetryBudget,
  type RetryOptions,
} from './resilience.js';
import { parseRetryAfter } from './retryAfter.js';

export type QueryParams = Readonly<Record<string, string | undefined>>;

export interface UpstreamClientOptions {
  provider: Provider;
  /** Base URL including the API's path prefix, e.g. https://api.example.com/api/v1.0 */
  baseUrl: string;
  /** Adds the provider's credentials. Kept apart so a provider can change its auth scheme alone. */
  authorize: (headers: Record<string, string>) => void;
  /** Per attempt: connect, headers and body each, and the attempt as a whole. */
  timeoutMs: number;
  maxBodyBytes: number;
  rateLimitPerSecond: number;
  maxConcurrency: number;
  /** Reads the provider's error body for a retry hint; must never throw. */
  retryAfterFromBody?: (body: unknown) => number | null;
  retry?: RetryOptions;
  breaker?: BreakerOptions;
  /** Told when the provider's circuit opens, half-opens or closes again. */
  onBreakerChange?: (state: BreakerState) => void;
  observer?: UpstreamObserver;
  /** A limit shared with other replicas (Redis), on top of this process's own. */
  sharedRateLimit?: SharedRateLimit;
  /** Injected in tests; by default a keep-alive Pool per origin. */
  dispatcher?: Dispatcher;
  now?: () => number;
}

/** Waits until the cluster-wide rate allows one more request, or throws when that is past the deadline. */
export interface SharedRateLimit {
  acquire(deadline: number | undefined): Promise<void>;
}

export interface GetOptions {
  signal?: AbortSignal | undefined;
  requestId?: string | undefined;
  /** Epoch ms after which no attempt starts and no retry waits: the GraphQL request's own deadline. */
  deadline?: number | undefined;
  /** A cache in front may answer only with an entry at most this old (0: ask the provider now). */
  maxAgeMs?: number | undefined;
  /** Told when a cache answered with an entry older than its freshness allows (the provider failed). */
  noteStale?: ((provider: Provider, ageMs: number) => void) | undefined;
}

type AttemptOptions = Omit<GetOptions, 'signal'>;

/** `body` is the parsed document; `raw` the bytes as received, for a cache that shares them. */
export type GetResult = { found: true; body: unknown; raw?: Buffer } | { found: false };

/** What a provider calls to GET a JSON document: the transport, or a cache in front of it. */
export interface JsonGetter {
  getJson(path: string, query: QueryParams, options?: GetOptions): Promise<GetResult>;
}

/**
 * The spacing the provider measures is by arrival, ours by departure; slack keeps network and scheduling
 * jitter (50 ms was not enough on a loaded 2-core machine: the tests saw a 13th request inside a second)
 * from turning our last allowed request of a window into the provider's first rejected one.
 */
export const RATE_WINDOW_MS = 1100;

/**
 * One provider's HTTP transport: keep-alive pool, timeouts, concurrency and rate limits shared by every
 * GraphQL request in the process, bounded bodies, and the mapping of every failure to an UpstreamError
 * whose message is safe to show a client (no URL, no key).
 */
export class UpstreamClient {
  readonly provider: Provider;
  private readonly origin: string;
  private readonly pathPrefix: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly concurrency: LimitFunction;
  private readonly throttle: <T>(task: () => Promise<T>) => Promise<T>;
  private readonly now: () => number;
  private readonly retry: RetryOptions;
  private readonly budget: RetryBudget;
  private readonly breaker: CircuitBreakerPolicy;
  /** GETs in flight, by path and query: identical requests share one call (one client = one credential). */
  private readonly inFlight = new Map<string, Promise<GetResult>>();
  private queuedCount = 0;

  constructor(private readonly options: UpstreamClientOptions) {
    this.provider = options.provider;
    const base = new URL(options.baseUrl);
    this.origin = base.origin;
    this.pathPrefix = base.pathname.replace(/\/+$/, '');
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      new Pool(this.origin, {
        connections: options.maxConcurrency,
        connectTimeout: options.timeoutMs,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        keepAliveTimeout: 10_000,
      });
    this.concurrency = pLimit(options.maxConcurrency);
    const throttled = pThrottle({
      limit: options.rateLimitPerSecond,
      interval: RATE_WINDOW_MS,
      strict: true,
    })((task: () => Promise<unknown>) => task());
    this.throttle = <T>(task: () => Promise<T>) => throttled(task) as Promise<T>;
    this.now = options.now ?? Date.now;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.budget = new RetryBudget(this.retry.budgetRatio);
    this.breaker = createBreaker(options.breaker ?? DEFAULT_BREAKER, (state) =>
      options.onBreakerChange?.(state),
    );
  }

  get breakerState(): BreakerState {
    return breakerState(this.breaker);
  }

  /** Requests waiting for a slot of the rate limit: how far behind its quota this process is. */
  get queued(): number {
    return this.queuedCount;
  }

  /**
   * GET a JSON document. A 404 is `{ found: false }`; every other failure throws an UpstreamError. The same
   * GET already in flight (from any GraphQL request) is shared rather than sent again; a caller that gives
   * up stops waiting without cancelling it for the others.
   */
  getJson(path: string, query: QueryParams, options: GetOptions = {}): Promise<GetResult> {
    const key = path + queryString(query);
    let shared = this.inFlight.get(key);
    if (shared === undefined) {
      shared = this.withRetries(path, query, { requestId: options.requestId, deadline: options.deadline });
      this.inFlight.set(key, shared);
      const forget = () => this.inFlight.delete(key);
      shared.then(forget, forget);
    }
    return untilAborted(shared, options.signal);
  }

  /**
   * Retries GETs after network errors, timeouts, 429, 500, 502, 503 and 504 only, with full-jitter backoff or the
   * provider's Retry-After, whichever is longer — never past the deadline, never beyond the retry budget.
   */
  private async withRetries(path: string, query: QueryParams, options: AttemptOptions): Promise<GetResult> {
    this.budget.recordAttempt();
    for (let retries = 0; ; retries++) {
      let waiting = true;
      this.queuedCount++;
      const started = () => {
        if (waiting) this.queuedCount--;
        waiting = false;
      };
      try {
        return await this.breaker.execute(() =>
          this.concurrency(() =>
            this.throttle(async () => {
              started();
              await this.options.sharedRateLimit?.acquire(options.deadline);
              return this.attempt(path, query, options);
            }),
          ),
        );
      } catch (error) {
        started();
        if (error instanceof BrokenCircuitError) {
          throw new UpstreamUnavailableError(
            this.provider,
            'failed repeatedly, so the gateway is not calling it for a few seconds. Retry shortly.',
            'circuit open',
          );
        }
        if (!(error instanceof UpstreamError) || !error.retryable || retries >= this.retry.maxRetries)
          throw error;
        const hinted = error instanceof UpstreamRateLimitedError ? (error.retryAfterMs ?? 0) : 0;
        const wait = Math.max(backoffDelay(retries, this.retry), hinted);
        const remaining = (options.deadline ?? Number.POSITIVE_INFINITY) - this.now();
        // A wait that leaves no time for the attempt after it only delays the same answer.
        if (wait + MIN_ATTEMPT_MS > remaining || !this.budget.tryWithdraw()) throw error;
        this.options.observer?.retry(this.provider);
        await delay(wait);
      }
    }
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** One request. A caller's signal never reaches it: the call may be shared with other callers. */
  private attempt(path: string, query: QueryParams, options: AttemptOptions): Promise<GetResult> {
    const started = performance.now();
    // The span names the route, never the query string: it may carry ids, and never the key.
    return inSpan(
      `${this.provider} GET ${path}`,
      SpanKind.CLIENT,
      { 'http.request.method': 'GET', 'url.path': this.pathPrefix + path, 'gateway.provider': this.provider },
      async (span) => {
        let outcome: AttemptOutcome = 'network';
        try {
          return await this.send(path, query, options, (reported) => {
            outcome = reported;
          });
        } finally {
          if (typeof outcome === 'number') span.setAttribute('http.response.status_code', outcome);
          this.options.observer?.attempt(this.provider, outcome, performance.now() - started);
        }
      },
    );
  }

  private async send(
    path: string,
    query: QueryParams,
    options: AttemptOptions,
    report: (outcome: AttemptOutcome) => void,
  ): Promise<GetResult> {
    const remaining = (options.deadline ?? Number.POSITIVE_INFINITY) - this.now();
    const timeoutMs = Math.max(1, Math.min(this.options.timeoutMs, remaining));
    const timeout = AbortSignal.timeout(timeoutMs);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.requestId !== undefined) headers['x-request-id'] = options.requestId;
    this.options.authorize(headers);

    let response: Dispatcher.ResponseData;
    try {
      response = await this.dispatcher.request({
        origin: this.origin,
        path: this.pathPrefix + path + queryString(query),
        method: 'GET',
        headers,
        signal: timeout,
      });
    } catch (error) {
      throw this.transportError(error, timeout, timeoutMs, report);
    }

    const { statusCode } = response;
    report(statusCode);
    let bytes: Buffer;
    try {
      bytes = await this.readBody(response);
    } catch (error) {
      throw this.transportError(error, timeout, timeoutMs, report);
    }

    if (statusCode === 404) return { found: false };
    if (statusCode >= 200 && statusCode < 300)
      return { found: true, body: this.parseJson(bytes), raw: bytes };
    throw this.statusError(statusCode, response.headers, bytes.toString('utf8'));
  }

  private async readBody(response: Dispatcher.ResponseData): Promise<Buffer> {
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.options.maxBodyBytes) {
      response.body.destroy();
      throw new BodyTooLargeError();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > this.options.maxBodyBytes) {
        response.body.destroy();
        throw new BodyTooLargeError();
      }
      chunks.push(buffer);
    }
    return Buffer.concat(chunks, size);
  }

  private parseJson(bytes: Buffer): unknown {
    const fast = parseJsonFast(bytes);
    if (fast !== null) return fast.value;
    const text = bytes.toString('utf8');
    if (text.trim() === '') {
      throw new UpstreamBadResponseError(this.provider, 'sent an empty response body.');
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new UpstreamBadResponseError(this.provider, 'sent a response that is not valid JSON.');
    }
  }

  private statusError(
    status: number,
    headers: Dispatcher.ResponseData['headers'],
    text: string,
  ): UpstreamError {
    if (status === 401 || status === 403) {
      return new UpstreamUnauthorizedError(
        this.provider,
        `rejected the gateway's credentials (HTTP ${status}). The gateway operator must check the configured API key.`,
      );
    }
    if (status === 429) {
      const header = headers['retry-after'];
      const fromHeader = parseRetryAfter(Array.isArray(header) ? header[0] : header, this.now());
      const retryAfterMs = fromHeader ?? this.retryAfterFromBody(text);
      const hint =
        retryAfterMs === null ? ' Retry shortly.' : ` Retry in ${Math.ceil(retryAfterMs / 1000)} s.`;
      return retryable(
        new UpstreamRateLimitedError(
          this.provider,
          `is rate-limiting the gateway (HTTP 429).${hint}`,
          retryAfterMs,
        ),
      );
    }
    if (status >= 500) {
      const error = new UpstreamUnavailableError(
        this.provider,
        `is failing (HTTP ${status}). Retry later; other providers' data is unaffected.`,
      );
      // A one-off 500 is common enough (a restarting worker, a lost race) that Hive Gateway's upstreamRetry and
      // the AWS and Google clients retry it on idempotent calls; a persistent one is bounded by the retry
      // budget and the deadline like 502-504. 501, 505 and the rest say the request itself will never work.
      return RETRIED_5XX.has(status) ? retryable(error) : error;
    }
    return new UpstreamBadResponseError(
      this.provider,
      `refused the gateway's request (HTTP ${status}).`,
      `status ${status}`,
    );
  }

  private retryAfterFromBody(text: string): number | null {
    if (this.options.retryAfterFromBody === undefined) return null;
    try {
      const seconds = this.options.retryAfterFromBody(JSON.parse(text));
      return seconds === null ? null : seconds * 1000;
    } catch {
      return null;
    }
  }

  private transportError(
    error: unknown,
    timeout: AbortSignal,
    timeoutMs: number,
    report: (outcome: AttemptOutcome) => void,
  ): UpstreamError {
    if (error instanceof BodyTooLargeError) {
      report('too-large');
      return new UpstreamBadResponseError(
        this.provider,
        `sent a response larger than the gateway accepts (${this.options.maxBodyBytes} bytes).`,
      );
    }
    const code = errorCode(error);
    if (timeout.aborted || TIMEOUT_CODES.has(code)) {
      report('timeout');
      return retryable(
        new UpstreamUnavailableError(
          this.provider,
          `did not answer within ${timeoutMs} ms. Retry later.`,
          code,
        ),
      );
    }
    return retryable(new UpstreamUnavailableError(this.provider, 'could not be reached. Retry later.', code));
  }
}

class BodyTooLargeError extends Error {}

const MIN_ATTEMPT_MS = 50;
const RETRIED_5XX: ReadonlySet<number> = new Set([500, 502, 503, 504]);

function retryable<T extends UpstreamError>(error: T): T {
  error.retryable = true;
  return error;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects when `signal` aborts, without cancelling `promise` for the others awaiting it. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  new undiciErrors.HeadersTimeoutError().code,
  new undiciErrors.BodyTimeoutError().code,
  new undiciErrors.ConnectTimeoutError().code,
]);

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return error instanceof Error ? error.name : 'UNKNOWN';
}

function queryString(query: QueryParams): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.append(key, value);
  }
  const encoded = params.toString();
  return encoded === '' ? '' : `?${encoded}`;
}
