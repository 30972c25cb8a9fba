import { errors as undiciErrors } from 'undici';
import { parseRetryAfter } from './retryAfter.js';
import type { TransportFailure } from './transportFailure.js';

/**
 * A one-off 500 is common enough (a restarting worker, a lost race) that Hive Gateway's upstreamRetry and the
 * AWS and Google clients retry it on idempotent calls; a persistent one is bounded by the retry budget and the
 * deadline like 502-504. 501, 505 and the rest say the request itself will never work.
 */
const RETRIED_5XX: ReadonlySet<number> = new Set([500, 502, 503, 504]);

const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  new undiciErrors.HeadersTimeoutError().code,
  new undiciErrors.BodyTimeoutError().code,
  new undiciErrors.ConnectTimeoutError().code,
]);

/**
 * The failure a status other than 2xx and 404 stands for. `retryAfterMs` is asked only for a 429, so the
 * body is read for a hint only when there can be one.
 */
export function failureFromStatus(status: number, retryAfterMs: () => number | null): TransportFailure {
  if (status === 401 || status === 403) return { kind: 'unauthorized', retryable: false, status };
  if (status === 429) return { kind: 'rate_limited', retryable: true, status, retryAfterMs: retryAfterMs() };
  if (status >= 500) {
    return { kind: 'server_error', retryable: RETRIED_5XX.has(status), status };
  }
  return { kind: 'refused', retryable: false, status, detail: `status ${status}` };
}

/**
 * The failure an exception from undici stands for: a timeout when our own deadline fired or undici's
 * timeouts did, anything else the provider could not be reached. `timeoutMs` is what the attempt allowed.
 */
export function failureFromThrown(error: unknown, timedOut: boolean, timeoutMs: number): TransportFailure {
  const detail = errorCode(error);
  if (timedOut || TIMEOUT_CODES.has(detail)) return { kind: 'timeout', retryable: true, timeoutMs, detail };
  return { kind: 'network', retryable: true, detail };
}

/** What an undici error says about itself: its stable `code`, else its class name, reduced to a safe detail. */
export function errorCode(error: unknown): string {
  const raw =
    typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
      ? error.code
      : error instanceof Error
        ? error.name
        : 'UNKNOWN';
  return raw.replace(/[^\w.:-]/g, '_').slice(0, 80) || 'UNKNOWN';
}

/**
 * The wait a 429 asks for, in ms: the Retry-After header first, else the provider's hint in its error body.
 * `fromBody` is the provider's reader (seconds); a body that is not JSON, or a reader that throws, is no hint.
 */
export function retryAfterMs(
  header: string | string[] | undefined,
  bodyText: string,
  now: number,
  fromBody: ((body: unknown) => number | null) | undefined,
): number | null {
  const fromHeader = parseRetryAfter(Array.isArray(header) ? header[0] : header, now);
  if (fromHeader !== null || fromBody === undefined) return fromHeader;
  try {
    const seconds = fromBody(JSON.parse(bodyText));
    return seconds === null ? null : seconds * 1000;
  } catch {
    return null;
  }
}
