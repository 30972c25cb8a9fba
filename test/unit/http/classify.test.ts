import fc from 'fast-check';
import { errors as undiciErrors } from 'undici';
import { describe, expect, it } from 'vitest';
import { errorCode, failureFromStatus, failureFromThrown, retryAfterMs } from '../../../src/http/classify.js';
import {
  failureDetail,
  retryHintMs,
  signalsOutage,
  type TransportFailure,
  transportFailure,
} from '../../../src/http/transportFailure.js';

const noHint = () => null;

describe('failureFromStatus', () => {
  it.each([
    [401, 'unauthorized', false],
    [403, 'unauthorized', false],
    [429, 'rate_limited', true],
    [500, 'server_error', true],
    [501, 'server_error', false],
    [502, 'server_error', true],
    [503, 'server_error', true],
    [504, 'server_error', true],
    [505, 'server_error', false],
    [599, 'server_error', false],
    [400, 'refused', false],
    [405, 'refused', false],
    [418, 'refused', false],
    [302, 'refused', false],
  ] as const)('%i is %s, retryable %s', (status, kind, retryable) => {
    const failure = failureFromStatus(status, noHint);
    expect(failure).toMatchObject({ kind, retryable, status });
  });

  it('asks for a Retry-After only for a 429, and keeps it', () => {
    let asked = 0;
    const hint = () => {
      asked++;
      return 1500;
    };
    expect(failureFromStatus(503, hint)).not.toHaveProperty('retryAfterMs');
    expect(asked).toBe(0);
    expect(failureFromStatus(429, hint)).toEqual({
      kind: 'rate_limited',
      retryable: true,
      status: 429,
      retryAfterMs: 1500,
    });
    expect(asked).toBe(1);
  });

  it('gives a valid failure for every status, with a detail safe to log', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 999 }), fc.option(fc.nat(), { nil: null }), (status, hint) => {
        const failure = failureFromStatus(status, () => hint);
        expect(transportFailure.safeParse(failure).success).toBe(true);
      }),
    );
  });

  it('is retryable exactly for 429, 500, 502, 503 and 504', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 999 }), (status) => {
        const retryable = [429, 500, 502, 503, 504].includes(status);
        expect(failureFromStatus(status, noHint).retryable).toBe(retryable);
      }),
    );
  });
});

describe('failureFromThrown', () => {
  it.each([
    [new undiciErrors.HeadersTimeoutError(), false, 'timeout', 'UND_ERR_HEADERS_TIMEOUT'],
    [new undiciErrors.BodyTimeoutError(), false, 'timeout', 'UND_ERR_BODY_TIMEOUT'],
    [new undiciErrors.ConnectTimeoutError(), false, 'timeout', 'UND_ERR_CONNECT_TIMEOUT'],
    [new undiciErrors.SocketError('other side closed'), false, 'network', 'UND_ERR_SOCKET'],
    [new undiciErrors.RequestAbortedError(), true, 'timeout', 'UND_ERR_ABORTED'],
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      false,
      'network',
      'ECONNREFUSED',
    ],
    [
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      true,
      'timeout',
      'TimeoutError',
    ],
    [new TypeError('fetch failed'), false, 'network', 'TypeError'],
    ['a string', false, 'network', 'UNKNOWN'],
  ] as const)('%s (our timeout fired: %s) is %s with detail %s', (error, timedOut, kind, detail) => {
    expect(failureFromThrown(error, timedOut, 250)).toEqual({
      kind,
      retryable: true,
      detail,
      ...(kind === 'timeout' ? { timeoutMs: 250 } : {}),
    });
  });

  it('never puts a URL or a key from the error into the detail', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (message, code) => {
        const error = Object.assign(new Error(`GET https://api.example.com/x?key=${message}`), { code });
        const failure = failureFromThrown(error, false, 100);
        expect(failureDetail.safeParse(failure.detail).success).toBe(true);
        expect(failure.detail).not.toContain('/');
        expect(failure.detail).not.toContain('?');
        expect(failure.detail).not.toContain('=');
        expect(transportFailure.safeParse(failure).success).toBe(true);
      }),
    );
  });

  it('errorCode prefers a string code, then the class name', () => {
    expect(errorCode(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(errorCode(Object.assign(new Error('x'), { code: 42 }))).toBe('Error');
    expect(errorCode(null)).toBe('UNKNOWN');
    expect(errorCode(Object.assign(new Error('x'), { code: '' }))).toBe('UNKNOWN');
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-11-23T10:00:00Z');
  const fromBody = (body: unknown) =>
    typeof body === 'object' && body !== null && 'retryAfter' in body && typeof body.retryAfter === 'number'
      ? body.retryAfter
      : null;

  it.each([
    ['header seconds', '3', '{"retryAfter": 9}', 3000],
    ['header date', 'Mon, 23 Nov 2026 10:00:02 GMT', '', 2000],
    ['header list: the first', ['4', '9'], '', 4000],
    ['no header: the body hint', undefined, '{"retryAfter": 9}', 9000],
    ['a fractional body hint', undefined, '{"retryAfter": 0.5}', 500],
    ['unreadable header: the body hint', 'soon', '{"retryAfter": 2}', 2000],
    ['no header, no hint in the body', undefined, '{"error": "slow down"}', null],
    ['no header, a body that is not JSON', undefined, '<html>429</html>', null],
    ['nothing at all', undefined, '', null],
  ] as const)('%s', (_, header, body, expected) => {
    const value: string | string[] | undefined =
      typeof header === 'string' || header === undefined ? header : [...header];
    expect(retryAfterMs(value, body, now, fromBody)).toBe(expected);
  });

  it('survives a body reader that throws', () => {
    const throwing = () => {
      throw new Error('bug');
    };
    expect(retryAfterMs(undefined, '{}', now, throwing)).toBeNull();
  });

  it('without a body reader only the header counts', () => {
    expect(retryAfterMs(undefined, '{"retryAfter": 9}', now, undefined)).toBeNull();
    expect(retryAfterMs('7', '', now, undefined)).toBe(7000);
  });

  it('delta-seconds always round-trip to whole seconds in ms', () => {
    fc.assert(
      fc.property(fc.nat({ max: 86_400 }), (seconds) => {
        expect(retryAfterMs(String(seconds), '', now, fromBody)).toBe(seconds * 1000);
      }),
    );
  });
});

describe('what the transport decides on', () => {
  const examples: [TransportFailure, boolean, number][] = [
    [{ kind: 'timeout', retryable: true, timeoutMs: 100, detail: 'UND_ERR_HEADERS_TIMEOUT' }, true, 0],
    [{ kind: 'network', retryable: true, detail: 'ECONNREFUSED' }, true, 0],
    [{ kind: 'server_error', retryable: true, status: 503 }, true, 0],
    [{ kind: 'server_error', retryable: false, status: 501 }, true, 0],
    [{ kind: 'rate_limited', retryable: true, status: 429, retryAfterMs: 1200 }, false, 1200],
    [{ kind: 'rate_limited', retryable: true, status: 429, retryAfterMs: null }, false, 0],
    [{ kind: 'unauthorized', retryable: false, status: 401 }, false, 0],
    [{ kind: 'refused', retryable: false, status: 400, detail: 'status 400' }, false, 0],
    [{ kind: 'body_too_large', retryable: false, maxBytes: 1024 }, false, 0],
    [{ kind: 'bad_body', retryable: false, body: 'not_json' }, false, 0],
    [{ kind: 'open_circuit', retryable: false, detail: 'circuit open' }, false, 0],
    [{ kind: 'shared_rate_limited', retryable: false, retryAfterMs: 300 }, false, 0],
  ];

  it.each(examples)(
    '%o: counts toward the circuit %s, retry waits at least %i ms',
    (failure, outage, hint) => {
      expect(transportFailure.parse(failure)).toEqual(failure);
      expect(signalsOutage(failure)).toBe(outage);
      expect(retryHintMs(failure)).toBe(hint);
    },
  );

  it('the schema refuses a detail that could hold a URL', () => {
    expect(failureDetail.safeParse('GET https://api.example.com/v1?key=k').success).toBe(false);
    expect(failureDetail.safeParse('UND_ERR_SOCKET').success).toBe(true);
  });
});
