import { setTimeout as sleep } from 'node:timers/promises';
import { BrokenCircuitError, type CircuitBreakerPolicy } from 'cockatiel';
import pLimit, { type LimitFunction } from 'p-limit';
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
import { StartWindow } from './startWindow.js';
import { retryHintMs, TransportError } from './transportFailure.js';

/** Waits until the cluster-wide rate allows one more request, or throws when that is past the deadline. */
export interface SharedRateLimit {
  acquire(deadline: number | undefined): Promise<void>;
}

/**
 * The spacing the provider measures is by arrival, ours by departure; slack keeps network and scheduling
 * jitter (50 ms was not enough on a loaded 2-core machine: the tests saw a 13th request inside a second)
 * from turning our last allowed request of a window into the provider's first rejected one.
 */
export const RATE_WINDOW_MS = 1100;

export interface ResilientCallsOptions {
  rateLimitPerSecond: number;
  maxConcurrency: number;
  retry?: RetryOptions | undefined;
  breaker?: BreakerOptions | undefined;
  onBreakerChange?: ((state: BreakerState) => void) | undefined;
  /** A limit shared with other replicas (Redis), on top of this process's own. */
  sharedRateLimit?: SharedRateLimit | undefined;
  /** Told before each retry waits. */
  onRetry?: (() => void) | undefined;
  now?: (() => number) | undefined;
}

/** Below this, an attempt after a retry's wait has no real chance to answer before the deadline. */
const MIN_ATTEMPT_MS = 50;

/**
 * What every call to one provider goes through, shared by all GraphQL requests in the process: its circuit,
 * its concurrency and rate limits (this process's and the cluster's), and retries. It decides on
 * TransportFailures only; anything else an attempt throws passes through untouched and unretried.
 */
export class ResilientCalls {
  private readonly concurrency: LimitFunction;
  private readonly starts: StartWindow;
  private readonly now: () => number;
  private readonly retry: RetryOptions;
  private readonly budget: RetryBudget;
  private readonly breaker: CircuitBreakerPolicy;
  private queuedCount = 0;

  constructor(private readonly options: ResilientCallsOptions) {
    this.concurrency = pLimit(options.maxConcurrency);
    this.starts = new StartWindow(options.rateLimitPerSecond, RATE_WINDOW_MS);
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

  /** Calls waiting for a slot of the rate limit: how far behind its quota this process is. */
  get queued(): number {
    return this.queuedCount;
  }

  /**
   * Runs `attempt` and retries it after retryable failures only, with full-jitter backoff or the provider's
   * Retry-After, whichever is longer — never past the deadline, never beyond the retry budget.
   */
  async run<T>(deadline: number | undefined, attempt: () => Promise<T>): Promise<T> {
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
            this.starts.run(async () => {
              started();
              await this.options.sharedRateLimit?.acquire(deadline);
              return attempt();
            }),
          ),
        );
      } catch (error) {
        started();
        if (error instanceof BrokenCircuitError) {
          throw new TransportError({ kind: 'open_circuit', retryable: false, detail: 'circuit open' });
        }
        if (
          !(error instanceof TransportError) ||
          !error.failure.retryable ||
          retries >= this.retry.maxRetries
        )
          throw error;
        const wait = Math.max(backoffDelay(retries, this.retry), retryHintMs(error.failure));
        const remaining = (deadline ?? Number.POSITIVE_INFINITY) - this.now();
        // A wait that leaves no time for the attempt after it only delays the same answer.
        if (wait + MIN_ATTEMPT_MS > remaining || !this.budget.tryWithdraw()) throw error;
        this.options.onRetry?.();
        await sleep(wait);
      }
    }
  }
}
