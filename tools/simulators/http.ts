// The plumbing both simulators share (rate limiter, request log, fault injection, the server loop with its
// delays and torn bodies, the answer memo), in one file so that a provider simulator only declares routes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import type { FaultRule, RecordedRequest, RouteKind } from './faults.js';
import { FaultController } from './faults.js';

export interface SimResponse {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export interface RateLimitOptions {
  /** Requests allowed in any sliding window. */
  limit: number;
  windowMs: number;
}

export type Clock = () => number;

export const systemClock: Clock = () => performance.timeOrigin + performance.now();

/** Sliding-log limiter: a request is allowed when fewer than `limit` were allowed in (now - window, now]. */
export class SlidingWindowLimiter {
  readonly #options: RateLimitOptions;
  readonly #hits = new Map<string, number[]>();

  constructor(options: RateLimitOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`rate limit must be a positive integer, got ${options.limit}`);
    }
    if (!(options.windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${options.windowMs}`);
    this.#options = options;
  }

  /** Null when allowed (and counted), else how long until a slot frees up. */
  tryAcquire(key: string, now: number): { retryAfterMs: number } | null {
    const { limit, windowMs } = this.#options;
    let hits = this.#hits.get(key);
    if (hits === undefined) {
      hits = [];
      this.#hits.set(key, hits);
    }
    let expired = 0;
    while (expired < hits.length && (hits[expired] ?? now) <= now - windowMs) expired++;
    if (expired > 0) hits.splice(0, expired);
    const oldest = hits[0];
    if (hits.length >= limit && oldest !== undefined) return { retryAfterMs: oldest + windowMs - now };
    hits.push(now);
    return null;
  }
}

export interface RequestFilter {
  route?: RouteKind;
  status?: number;
}

function matches(request: RecordedRequest, filter: RequestFilter | undefined): boolean {
  if (filter === undefined) return true;
  if (filter.route !== undefined && request.route !== filter.route) return false;
  if (filter.status !== undefined && request.status !== filter.status) return false;
  return true;
}

/** Every request a simulator received, including rejected and faulted ones. */
export class RequestLog {
  #entries: RecordedRequest[] = [];

  /** @internal */
  push(entry: RecordedRequest): void {
    this.#entries.push(entry);
  }

  all(filter?: RequestFilter): RecordedRequest[] {
    return this.#entries.filter((entry) => matches(entry, filter));
  }

  count(filter?: RequestFilter): number {
    if (filter === undefined) return this.#entries.length;
    let n = 0;
    for (const entry of this.#entries) if (matches(entry, filter)) n++;
    return n;
  }

  reset(): void {
    this.#entries = [];
  }

  /** The largest number of requests that arrived within any half-open window [t, t + ms). */
  maxInWindow(ms: number, filter?: RequestFilter): number {
    const times = this.all(filter)
      .map((entry) => entry.at)
      .sort((a, b) => a - b);
    let best = 0;
    let start = 0;
    for (let end = 0; end < times.length; end++) {
      const endAt = times[end] ?? 0;
      while ((times[start] ?? endAt) <= endAt - ms) start++;
      best = Math.max(best, end - start + 1);
    }
    return best;
  }
}

export interface SimulatorCommonOptions {
  /** @default 0 (any free port) */
  port?: number | undefined;
  /** @default '127.0.0.1' */
  host?: string | undefined;
  /** The only key the simulator accepts. @default the provider's demo key */
  apiKey?: string | undefined;
  /** Clock for request times, rate limiting and timestamps in bodies. @default performance-based epoch ms */
  now?: Clock | undefined;
}

/** What every running simulator exposes. */
export interface SimulatorBase {
  /** Base URL including the provider's base path, without a trailing slash. */
  readonly url: string;
  readonly apiKey: string;
  readonly host: string;
  readonly port: number;
  readonly faults: FaultController;
  readonly requests: RequestLog;
  /** Stops listening and destroys every open socket, hanging ones included. Idempotent. */
  close(): Promise<void>;
}

export interface HttpSimulatorSpec {
  basePath: string;
  host: string;
  port: number;
  now: Clock;
  /** Which route a path below the base path is; '' stands for the base path itself. */
  classify(subPath: string): RouteKind;
  /** The normal answer. Called only for requests no status/hang fault pre-empted. */
  handle(request: RecordedRequest, subPath: string): SimResponse;
  /** Body for a `{status}` fault that gives none. */
  faultBody(status: number): string;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function guessContentType(body: string): string {
  const start = body.trimStart();
  if (start.startsWith('<')) return 'text/html; charset=utf-8';
  if (start.startsWith('{') || start.startsWith('[')) return JSON_TYPE;
  return 'text/plain; charset=utf-8';
}

function withContentType(headers: Record<string, string> | undefined, body: string): Record<string, string> {
  const merged: Record<string, string> = { ...headers };
  if (!Object.keys(merged).some((name) => name.toLowerCase() === 'content-type')) {
    merged['content-type'] = guessContentType(body);
  }
  return merged;
}

function corruptJson(body: string): string {
  const colon = body.indexOf(':');
  // Same length and shape as the real body, so a client cannot tell it apart before parsing.
  return colon >= 0 ? `${body.slice(0, colon)}=${body.slice(colon + 1)}` : '{"unterminated';
}

export async function startHttpSimulator(spec: HttpSimulatorSpec): Promise<{
  host: string;
  port: number;
  faults: FaultController;
  requests: RequestLog;
  close(): Promise<void>;
}> {
  const faults = new FaultController();
  const requests = new RequestLog();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const later = (ms: number, run: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!closed) run();
    }, ms);
    timers.add(timer);
  };

  // Memoised answers come back as the same object, so their bytes are encoded once: encoding a 100-item page
  // (non-ASCII names) costs more than serving it, which would make the simulator the benchmarks' bottleneck.
  const encoded = new WeakMap<SimResponse, Buffer>();
  const send = (res: ServerResponse, record: RecordedRequest, response: SimResponse): void => {
    if (res.destroyed) return;
    let body = encoded.get(response);
    if (body === undefined) {
      body = Buffer.from(response.body, 'utf8');
      encoded.set(response, body);
    }
    record.status = response.status;
    res.writeHead(response.status, {
      ...withContentType(response.headers, response.body),
      'content-length': String(body.length),
    });
    res.end(body);
  };

  const sendFaulted = (
    res: ServerResponse,
    record: RecordedRequest,
    rule: FaultRule,
    subPath: string,
  ): void => {
    if ('hang' in rule) return;
    if ('status' in rule) {
      const body = rule.body ?? spec.faultBody(rule.status);
      const response: SimResponse = { status: rule.status, body };
      if (rule.headers !== undefined) response.headers = rule.headers;
      send(res, record, response);
      return;
    }
    if ('emptyBody' in rule) {
      send(res, record, { status: 200, body: '', headers: { 'content-type': JSON_TYPE } });
      return;
    }
    const normal = spec.handle(record, subPath);
    if ('malformedJson' in rule) {
      send(res, record, { ...normal, status: 200, body: corruptJson(normal.body) });
    } else if ('truncatedJson' in rule) {
      const bytes = Buffer.from(normal.body, 'utf8');
      const cut = bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2))).toString('latin1');
      // latin1 round-trips the cut bytes exactly, even when the cut splits a UTF-8 sequence.
      const head = withContentType(normal.headers, normal.body);
      record.status = normal.status;
      res.writeHead(normal.status, { ...head, 'content-length': String(Buffer.byteLength(cut, 'latin1')) });
      res.end(cut, 'latin1');
    } else if ('oversizedBytes' in rule) {
      const padding = Math.max(0, rule.oversizedBytes - Buffer.byteLength(normal.body, 'utf8'));
      send(res, record, { ...normal, body: normal.body + ' '.repeat(padding) });
    } else if ('transformBody' in rule) {
      const transformed = JSON.stringify(rule.transformBody(JSON.parse(normal.body)));
      send(res, record, { ...normal, body: transformed ?? '' });
    } else if ('resetMidBody' in rule) {
      const bytes = Buffer.from(normal.body, 'utf8');
      record.status = null;
      res.writeHead(normal.status, {
        ...withContentType(normal.headers, normal.body),
        'content-length': String(bytes.length),
      });
      res.write(bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2))), () => {
        res.socket?.destroy();
      });
    } else if ('trickle' in rule) {
      const bytes = Buffer.from(normal.body, 'utf8');
      const { chunkBytes, intervalMs } = rule.trickle;
      record.status = normal.status;
      res.writeHead(normal.status, {
        ...withContentType(normal.headers, normal.body),
        'content-length': String(bytes.length),
      });
      const step = (offset: number): void => {
        if (res.destroyed) return;
        const next = offset + chunkBytes;
        if (next >= bytes.length) {
          res.end(bytes.subarray(offset));
          return;
        }
        res.write(bytes.subarray(offset, next));
        later(intervalMs, () => step(next));
      };
      step(0);
    } else {
      send(res, record, normal);
    }
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://simulator');
    const pathname = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const underBase = pathname === spec.basePath || pathname.startsWith(`${spec.basePath}/`);
    const subPath = underBase ? pathname.slice(spec.basePath.length) : null;
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: pathname,
      route: subPath === null ? 'other' : spec.classify(subPath),
      query: url.searchParams,
      at: spec.now(),
      authorization: req.headers.authorization ?? null,
      requestId: typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : null,
      status: null,
    };
    requests.push(record);
    const rule = faults.take(record);
    const answer = (): void => {
      try {
        if (subPath === null) {
          send(res, record, { status: 404, body: spec.faultBody(404) });
        } else if (rule === undefined) {
          send(res, record, spec.handle(record, subPath));
        } else {
          sendFaulted(res, record, rule, subPath);
        }
      } catch (error) {
        // A throwing transformBody is a test bug; answer 500 rather than leave the client hanging.
        if (!res.headersSent) send(res, record, { status: 500, body: spec.faultBody(500) });
        else res.destroy(error instanceof Error ? error : new Error(String(error)));
      }
    };
    const delay = rule?.delayMs ?? 0;
    if (delay > 0) later(delay, answer);
    else answer();
  };

  const server = createServer(onRequest);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(spec.port, spec.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('simulator is not listening on TCP');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  };

  return { host: spec.host, port: address.port, faults, requests, close };
}

/** Bounded memo of serialised answers: benchmarks hit the same pages over and over. */
export class Memo<T> {
  readonly #entries = new Map<string, T>();
  readonly #maxEntries: number;

  constructor(maxEntries = 5000) {
    this.#maxEntries = maxEntries;
  }

  get(key: string, compute: () => T): T {
    const hit = this.#entries.get(key);
    if (hit !== undefined) return hit;
    const value = compute();
    if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
    this.#entries.set(key, value);
    return value;
  }

  clear(): void {
    this.#entries.clear();
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? `HTTP ${status}`;
}

/** Brackets an IPv6 literal for use in a URL. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
