import { type Dispatcher, Pool } from 'undici';
import type { Provider } from '../domain/campaign.js';
import { inSpan, SpanKind } from '../observability/tracing.js';
import type { AttemptOutcome, UpstreamObserver } from '../observability/upstreamObserver.js';
import { failureFromStatus, failureFromThrown, retryAfterMs } from './classify.js';
import type { DeferredMember } from './deferredMembers.js';
import { envelopeOf, letGo, SharedAnswer } from './handOver.js';
import type { BreakerOptions, BreakerState, RetryOptions } from './resilience.js';
import { ResilientCalls, type SharedRateLimit } from './resilientCalls.js';
import {
  type BodyChunks,
  getWhole,
  parseJsonBody,
  transientBytes,
  type WholeResponse,
} from './responseBody.js';
import { TransportError } from './transportFailure.js';

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
  /** Return each body's bytes as `raw` too: for a cache tier that stores them as received. */
  keepRawBodies?: boolean;
  /** A member of the provider's bodies whose values are parsed only when read (`deferredMembers.ts`). */
  deferredMember?: DeferredMember | undefined;
  /** Injected in tests; by default a keep-alive Pool per origin. */
  dispatcher?: Dispatcher;
  now?: () => number;
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

/**
 * `body` is the parsed document and `size` its length in bytes as received; `raw` the bytes themselves, as
 * undici's chunks (not copied), only for a client asked to keep them (the shared cache, which stores them).
 */
export type GetResult =
  | { found: true; body: unknown; size?: number; raw?: BodyChunks | undefined }
  | { found: false };

/**
 * What a provider calls to GET a JSON document: the transport, or a cache in front of it. Above the provider
 * boundary (`createTransport`) a failure is an UpstreamError; from an UpstreamClient itself, a TransportError.
 */
export interface JsonGetter {
  getJson(path: string, query: QueryParams, options?: GetOptions): Promise<GetResult>;
}

/**
 * One provider's HTTP transport: keep-alive pool, timeouts, bounded bodies, and the sharing of identical GETs,
 * over the provider's resilient calls (breaker, limits, retries). Every failure is thrown as a TransportError,
 * plain data that names no URL and no key; the provider boundary turns it into what a client reads.
 */
export class UpstreamClient {
  readonly provider: Provider;
  private readonly origin: string;
  private readonly pathPrefix: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly now: () => number;
  private readonly calls: ResilientCalls;
  /** GETs in flight, by path and query: identical requests share one call (one client = one credential). */
  private readonly inFlight = new Map<string, SharedAnswer<GetResult>>();

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
    this.now = options.now ?? Date.now;
    this.calls = new ResilientCalls({
      rateLimitPerSecond: options.rateLimitPerSecond,
      maxConcurrency: options.maxConcurrency,
      retry: options.retry,
      breaker: options.breaker,
      onBreakerChange: options.onBreakerChange,
      sharedRateLimit: options.sharedRateLimit,
      onRetry: () => options.observer?.retry(this.provider),
      now: this.now,
    });
  }

  get breakerState(): BreakerState {
    return this.calls.breakerState;
  }

  /** Requests waiting for a slot of the rate limit: how far behind its quota this process is. */
  get queued(): number {
    return this.calls.queued;
  }

  /**
   * GET a JSON document. A 404 is `{ found: false }`; every other failure throws a TransportError. The same
   * GET already in flight (from any GraphQL request) is shared rather than sent again; a caller that gives
   * up stops waiting without cancelling it for the others. Each caller gets an envelope of its own
   * (`handOver.ts`): the shared answer lets go of the body once every caller has one.
   */
  getJson(path: string, query: QueryParams, options: GetOptions = {}): Promise<GetResult> {
    // The request target keys the GETs in flight and is what is sent: its query string is written once.
    const target = path + queryString(query);
    let shared = this.inFlight.get(target);
    if (shared === undefined) {
      const attemptOptions = { requestId: options.requestId, deadline: options.deadline };
      const answer = this.calls.run(options.deadline, () => this.attempt(path, target, attemptOptions));
      shared = new SharedAnswer(answer, letGo);
      const call = shared;
      this.inFlight.set(target, call);
      const forget = () => {
        if (this.inFlight.get(target) === call) this.inFlight.delete(target);
      };
      answer.then(forget, forget);
    }
    const { signal } = options;
    return shared.join((answer) => untilAborted(answer, signal), envelopeOf);
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** One request. A caller's signal never reaches it: the call may be shared with other callers. */
  private attempt(path: string, target: string, options: AttemptOptions): Promise<GetResult> {
    const started = performance.now();
    // The span names the route, never the query string: it may carry ids, and never the key.
    return inSpan(
      `${this.provider} GET ${path}`,
      SpanKind.CLIENT,
      { 'http.request.method': 'GET', 'url.path': this.pathPrefix + path, 'gateway.provider': this.provider },
      async (span) => {
        let outcome: AttemptOutcome = 'network';
        try {
          return await this.send(target, options, (reported) => {
            outcome = reported;
          });
        } finally {
          if (typeof outcome === 'number') span.setAttribute('http.response.status_code', outcome);
          this.options.observer?.attempt(this.provider, outcome, performance.now() - started);
        }
      },
    );
  }

  /** `target`: the path below the prefix, with its query string. */
  private async send(
    target: string,
    options: AttemptOptions,
    report: (outcome: AttemptOutcome) => void,
  ): Promise<GetResult> {
    const remaining = (options.deadline ?? Number.POSITIVE_INFINITY) - this.now();
    const timeoutMs = Math.max(1, Math.min(this.options.timeoutMs, remaining));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.requestId !== undefined) headers['x-request-id'] = options.requestId;
    this.options.authorize(headers);

    let response: WholeResponse;
    try {
      response = await getWhole(this.dispatcher, {
        origin: this.origin,
        path: this.pathPrefix + target,
        headers,
        maxBytes: this.options.maxBodyBytes,
        timeoutMs,
        onStatus: report,
      });
    } catch (error) {
      // Undici's own errors become failures here; the time and size bounds already are, and keep their outcome.
      if (!(error instanceof TransportError))
        throw new TransportError(failureFromThrown(error, false, timeoutMs));
      if (error.failure.kind === 'body_too_large') report('too-large');
      if (error.failure.kind === 'timeout') report('timeout');
      throw error;
    }
    const { statusCode, body } = response;

    if (statusCode === 404) return { found: false };
    // From here to the return nothing awaits: the transient bytes are read before another body reuses them.
    const bytes = transientBytes(body);
    if (statusCode >= 200 && statusCode < 300) {
      const parsed = parseJsonBody(bytes, this.options.deferredMember);
      return this.options.keepRawBodies === true
        ? { found: true, body: parsed, size: body.size, raw: body }
        : { found: true, body: parsed, size: body.size };
    }
    throw new TransportError(
      failureFromStatus(statusCode, () =>
        retryAfterMs(
          response.headers['retry-after'],
          bytes.toString('utf8'),
          this.now(),
          this.options.retryAfterFromBody,
        ),
      ),
    );
  }
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

function queryString(query: QueryParams): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.append(key, value);
  }
  const encoded = params.toString();
  return encoded === '' ? '' : `?${encoded}`;
}
