import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_RETRY, RetryBudget } from '../../../src/http/resilience.js';
import { parseRetryAfter } from '../../../src/http/retryAfter.js';

describe('backoffDelay', () => {
  it('is full jitter: uniform in [0, min(max, base * 2^retry))', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), (retry) => {
        const delay = backoffDelay(retry, DEFAULT_RETRY);
        const cap = Math.min(DEFAULT_RETRY.maxDelayMs, DEFAULT_RETRY.baseDelayMs * 2 ** retry);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(cap);
      }),
    );
  });
});

describe('RetryBudget', () => {
  it('allows a small floor of retries, then about `ratio` retries per first attempt', () => {
    const budget = new RetryBudget(0.2, 5);
    let granted = 0;
    for (let attempt = 0; attempt < 100; attempt++) {
      budget.recordAttempt();
      if (budget.tryWithdraw()) granted++;
      if (budget.tryWithdraw()) granted++;
    }
    // 5 from the floor plus 0.2 x 100 earned, not the 200 asked for.
    expect(granted).toBeGreaterThanOrEqual(24);
    expect(granted).toBeLessThanOrEqual(26);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-23T10:00:00Z');
  it.each([
    ['120', 120_000],
    ['0', 0],
    ['Mon, 23 Nov 2026 10:00:30 GMT', 30_000],
    ['Mon, 23 Nov 2026 09:00:00 GMT', 0],
    ['soon', null],
    ['', null],
    [undefined, null],
  ])('reads %j as %j ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
