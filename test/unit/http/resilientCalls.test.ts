import { describe, expect, it } from 'vitest';
import type { BreakerState } from '../../../src/http/resilience.js';
import { ResilientCalls } from '../../../src/http/resilientCalls.js';
import { TransportError, type TransportFailure } from '../../../src/http/transportFailure.js';

const fast = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2, budgetRatio: 1 };

function calls(changes: BreakerState[] = []) {
  return new ResilientCalls({
    rateLimitPerSecond: 1000,
    maxConcurrency: 4,
    retry: fast,
    breaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 },
    onBreakerChange: (state) => changes.push(state),
  });
}

/** Runs one call whose attempts all fail with `failure`; returns the attempts made and what was thrown. */
async function failing(resilient: ResilientCalls, failure: TransportFailure | Error) {
  let attempts = 0;
  const thrown = await resilient
    .run(undefined, async () => {
      attempts++;
      throw failure instanceof Error ? failure : new TransportError(failure);
    })
    .catch((error: unknown) => error);
  return { attempts, thrown };
}

describe('ResilientCalls', () => {
  it.each<[TransportFailure, number]>([
    [{ kind: 'network', retryable: true, detail: 'ECONNRESET' }, 3],
    [{ kind: 'timeout', retryable: true, timeoutMs: 5 }, 3],
    [{ kind: 'server_error', retryable: true, status: 503 }, 3],
    [{ kind: 'rate_limited', retryable: true, status: 429, retryAfterMs: 1 }, 3],
    [{ kind: 'server_error', retryable: false, status: 501 }, 1],
    [{ kind: 'unauthorized', retryable: false, status: 401 }, 1],
    [{ kind: 'refused', retryable: false, status: 400 }, 1],
    [{ kind: 'bad_body', retryable: false, body: 'not_json' }, 1],
    [{ kind: 'shared_rate_limited', retryable: false, retryAfterMs: 10 }, 1],
  ])('%o: %i attempts, then the failure itself', async (failure, expected) => {
    const { attempts, thrown } = await failing(calls(), failure);
    expect(attempts).toBe(expected);
    expect(thrown).toBeInstanceOf(TransportError);
    expect((thrown as TransportError).failure).toEqual(failure);
  });

  it('does not retry what is not a transport failure, and passes it through as it is', async () => {
    const bug = new RangeError('a bug');
    const { attempts, thrown } = await failing(calls(), bug);
    expect(attempts).toBe(1);
    expect(thrown).toBe(bug);
  });

  it('waits at least what a 429 asked for', async () => {
    const resilient = calls();
    let attempts = 0;
    const started = Date.now();
    const result = await resilient.run(undefined, async () => {
      if (attempts++ === 0) {
        throw new TransportError({ kind: 'rate_limited', retryable: true, status: 429, retryAfterMs: 120 });
      }
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('does not retry when the wait would outlive the deadline', async () => {
    const resilient = calls();
    let attempts = 0;
    const thrown = await resilient
      .run(Date.now() + 100, async () => {
        attempts++;
        throw new TransportError({ kind: 'rate_limited', retryable: true, status: 429, retryAfterMs: 5000 });
      })
      .catch((error: unknown) => error);
    expect(attempts).toBe(1);
    expect((thrown as TransportError).failure.kind).toBe('rate_limited');
  });

  it('opens the circuit on outages only, then fails with open_circuit without calling', async () => {
    const changes: BreakerState[] = [];
    const resilient = calls(changes);
    for (const failure of [
      { kind: 'rate_limited', retryable: true, status: 429, retryAfterMs: null },
      { kind: 'unauthorized', retryable: false, status: 403 },
      { kind: 'refused', retryable: false, status: 404 },
      { kind: 'bad_body', retryable: false, body: 'empty' },
      { kind: 'body_too_large', retryable: false, maxBytes: 1 },
    ] satisfies TransportFailure[]) {
      await failing(resilient, failure);
    }
    expect(resilient.breakerState).toBe('closed');

    // A 501 is not retried, so each call is one outage attempt: the third in a row opens it.
    const notImplemented: TransportFailure = { kind: 'server_error', retryable: false, status: 501 };
    await failing(resilient, notImplemented);
    await failing(resilient, notImplemented);
    expect(resilient.breakerState).toBe('closed');
    await failing(resilient, notImplemented);
    expect(resilient.breakerState).toBe('open');
    expect(changes).toEqual(['open']);

    const { attempts, thrown } = await failing(resilient, { kind: 'network', retryable: true });
    expect(attempts).toBe(0);
    expect((thrown as TransportError).failure).toEqual({
      kind: 'open_circuit',
      retryable: false,
      detail: 'circuit open',
    });
  });
});
