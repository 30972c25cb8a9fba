import {
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  fullJitterGenerator,
  handleWhen,
} from 'cockatiel';
import { signalsOutage, TransportError } from './transportFailure.js';

export interface RetryOptions {
  /** Retries after the first attempt. @default 2 */
  maxRetries: number;
  /** @default 100 */
  baseDelayMs: number;
  /** @default 2000 */
  maxDelayMs: number;
  /** Retries may be at most this share of first attempts (plus a small floor), so outages are not amplified. @default 0.2 */
  budgetRatio: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxRetries: 2,
  baseDelayMs: 100,
  maxDelayMs: 2000,
  budgetRatio: 0.2,
};

/** Full-jitter exponential backoff (cockatiel's generator): a uniform wait in [0, min(max, base·2^retry)). */
export function backoffDelay(retry: number, options: RetryOptions): number {
  const [delay] = fullJitterGenerator(retry, {
    generator: fullJitterGenerator,
    initialDelay: options.baseDelayMs,
    maxDelay: options.maxDelayMs,
    exponent: 2,
  });
  return delay;
}

/**
 * A retry budget in the manner of Finagle's and Grafbase's: each first attempt deposits `ratio` of a retry,
 * each retry withdraws one. During an outage retries stop at that share of traffic instead of multiplying it.
 */
export class RetryBudget {
  private balance: number;

  constructor(
    private readonly ratio: number,
    private readonly floor = 5,
  ) {
    this.balance = floor;
  }

  recordAttempt(): void {
    this.balance = Math.min(this.floor + 100 * this.ratio, this.balance + this.ratio);
  }

  tryWithdraw(): boolean {
    if (this.balance < 1) return false;
    this.balance -= 1;
    return true;
  }
}

export interface BreakerOptions {
  /** Consecutive failed attempts that open the circuit. @default 5 */
  consecutiveFailures: number;
  /** How long an open circuit waits before one probe request. @default 5000 */
  halfOpenAfterMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { consecutiveFailures: 5, halfOpenAfterMs: 5000 };

export type BreakerState = 'closed' | 'open' | 'half-open';

/** Only an unwell provider trips the breaker (`signalsOutage`): a 429, a 4xx or a bad body says nothing about its health. */
export function createBreaker(
  options: BreakerOptions,
  onChange: (state: BreakerState) => void,
): CircuitBreakerPolicy {
  const breaker = circuitBreaker(
    handleWhen((error) => error instanceof TransportError && signalsOutage(error.failure)),
    { halfOpenAfter: options.halfOpenAfterMs, breaker: new ConsecutiveBreaker(options.consecutiveFailures) },
  );
  breaker.onBreak(() => onChange('open'));
  breaker.onHalfOpen(() => onChange('half-open'));
  breaker.onReset(() => onChange('closed'));
  return breaker;
}

export function breakerState(breaker: CircuitBreakerPolicy): BreakerState {
  switch (breaker.state) {
    case CircuitState.Open:
    case CircuitState.Isolated:
      return 'open';
    case CircuitState.HalfOpen:
      return 'half-open';
    default:
      return 'closed';
  }
}
