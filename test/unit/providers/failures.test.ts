import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  providerLabel,
  UpstreamBadResponseError,
  UpstreamRateLimitedError,
  UpstreamUnauthorizedError,
  UpstreamUnavailableError,
} from '../../../src/errors.js';
import { failureFromStatus } from '../../../src/http/classify.js';
import { TransportError, type TransportFailure } from '../../../src/http/transportFailure.js';
import { mapTransportError, toUpstreamError } from '../../../src/providers/failures.js';

describe('toUpstreamError', () => {
  const cases: [
    TransportFailure,
    new (...args: never[]) => Error,
    string,
    string,
    Record<string, unknown>,
  ][] = [
    [
      { kind: 'timeout', retryable: true, timeoutMs: 800, detail: 'UND_ERR_HEADERS_TIMEOUT' },
      UpstreamUnavailableError,
      'UPSTREAM_UNAVAILABLE',
      'did not answer within 800 ms. Retry later.',
      {},
    ],
    [
      { kind: 'network', retryable: true, detail: 'ECONNREFUSED' },
      UpstreamUnavailableError,
      'UPSTREAM_UNAVAILABLE',
      'could not be reached. Retry later.',
      {},
    ],
    [
      { kind: 'server_error', retryable: true, status: 503 },
      UpstreamUnavailableError,
      'UPSTREAM_UNAVAILABLE',
      "is failing (HTTP 503). Retry later; other providers' data is unaffected.",
      {},
    ],
    [
      { kind: 'open_circuit', retryable: false, detail: 'circuit open' },
      UpstreamUnavailableError,
      'UPSTREAM_UNAVAILABLE',
      'failed repeatedly, so the gateway is not calling it for a few seconds. Retry shortly.',
      {},
    ],
    [
      { kind: 'unauthorized', retryable: false, status: 403 },
      UpstreamUnauthorizedError,
      'UPSTREAM_UNAUTHORIZED',
      "rejected the gateway's credentials (HTTP 403). The gateway operator must check the configured API key.",
      {},
    ],
    [
      { kind: 'rate_limited', retryable: true, status: 429, retryAfterMs: 1200 },
      UpstreamRateLimitedError,
      'UPSTREAM_RATE_LIMITED',
      'is rate-limiting the gateway (HTTP 429). Retry in 2 s.',
      { retryAfterSeconds: 2 },
    ],
    [
      { kind: 'rate_limited', retryable: true, status: 429, retryAfterMs: null },
      UpstreamRateLimitedError,
      'UPSTREAM_RATE_LIMITED',
      'is rate-limiting the gateway (HTTP 429). Retry shortly.',
      {},
    ],
    [
      { kind: 'shared_rate_limited', retryable: false, retryAfterMs: 300 },
      UpstreamRateLimitedError,
      'UPSTREAM_RATE_LIMITED',
      'is at its request rate across all gateway replicas. Retry in 1 s.',
      { retryAfterSeconds: 1 },
    ],
    [
      { kind: 'refused', retryable: false, status: 400, detail: 'status 400' },
      UpstreamBadResponseError,
      'UPSTREAM_BAD_RESPONSE',
      "refused the gateway's request (HTTP 400).",
      {},
    ],
    [
      { kind: 'body_too_large', retryable: false, maxBytes: 1024 },
      UpstreamBadResponseError,
      'UPSTREAM_BAD_RESPONSE',
      'sent a response larger than the gateway accepts (1024 bytes).',
      {},
    ],
    [
      { kind: 'bad_body', retryable: false, body: 'empty' },
      UpstreamBadResponseError,
      'UPSTREAM_BAD_RESPONSE',
      'sent an empty response body.',
      {},
    ],
    [
      { kind: 'bad_body', retryable: false, body: 'not_json' },
      UpstreamBadResponseError,
      'UPSTREAM_BAD_RESPONSE',
      'sent a response that is not valid JSON.',
      {},
    ],
  ];

  it.each(cases)('%o maps to code %3$s', (failure, type, code, message, extra) => {
    const error = toUpstreamError('ALTUR', failure);
    expect(error).toBeInstanceOf(type);
    expect(error.code).toBe(code);
    expect(error.message).toBe(`${providerLabel('ALTUR')}: ${message}`);
    expect(error.extensions).toEqual({ code, provider: 'ALTUR', ...extra });
    expect(error.detail).toBe(failure.detail);
  });

  it('keeps the code of every status', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 999 }).filter((status) => status !== 404),
        (status) => {
          const error = toUpstreamError(
            'AURALYTIK',
            failureFromStatus(status, () => null),
          );
          const code =
            status === 401 || status === 403
              ? 'UPSTREAM_UNAUTHORIZED'
              : status === 429
                ? 'UPSTREAM_RATE_LIMITED'
                : status >= 500
                  ? 'UPSTREAM_UNAVAILABLE'
                  : 'UPSTREAM_BAD_RESPONSE';
          expect(error.code).toBe(code);
          expect(error.message).toContain(`HTTP ${status}`);
        },
      ),
    );
  });
});

describe('mapTransportError', () => {
  it('maps a TransportError and lets anything else through as it is', () => {
    const mapped = mapTransportError('ALTUR', new TransportError({ kind: 'network', retryable: true }));
    expect(mapped).toBeInstanceOf(UpstreamUnavailableError);
    const abort = new DOMException('gone', 'AbortError');
    expect(mapTransportError('ALTUR', abort)).toBe(abort);
  });
});
