import type { Provider } from '../domain/campaign.js';

/** How one upstream attempt ended: the HTTP status, or why there was none. */
export type AttemptOutcome = number | 'timeout' | 'network' | 'too-large';

/** Told about every upstream attempt and retry; metrics implement it, tests may too. */
export interface UpstreamObserver {
  attempt(provider: Provider, outcome: AttemptOutcome, durationMs: number): void;
  retry(provider: Provider): void;
}
