import type { QueuedGetter } from '../../../src/cache/upstreamCache.js';
import type { GetOptions, GetResult, QueryParams } from '../../../src/http/upstreamClient.js';

export interface FakeCall {
  path: string;
  query: QueryParams;
  options: GetOptions | undefined;
}

/**
 * The upstream a cached getter reads through, as the cache sees it: answers `{ found, body, text }`, counts
 * every call, and lets the test hold calls open, delay them, fail them and set the rate-limit queue.
 */
export class FakeUpstream implements QueuedGetter {
  /** Requests "waiting for a rate-limit slot": the test sets it. */
  queued = 0;
  readonly calls: FakeCall[] = [];
  /** Every call waits this long before answering. */
  delayMs = 0;
  /** Set: every call (after its wait) throws it. */
  failure: unknown = undefined;
  /** The body of the n-th call (1-based): by default it names the call, so answers tell calls apart. */
  bodyFor: (call: number, path: string, query: QueryParams) => unknown = (call, path) => ({ call, path });
  private gate: Promise<void> | undefined;

  get count(): number {
    return this.calls.length;
  }

  /** Calls made from now on wait until the returned function is called. */
  hold(): () => void {
    let release = () => {};
    this.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const gate = this.gate;
    return () => {
      if (this.gate === gate) this.gate = undefined;
      release();
    };
  }

  /** Like UpstreamClient: a caller whose signal aborts stops waiting with the signal's reason. */
  getJson(path: string, query: QueryParams, options?: GetOptions): Promise<GetResult> {
    this.calls.push({ path, query, options });
    const answer = this.answer(this.calls.length, path, query);
    const signal = options?.signal;
    if (signal === undefined) return answer;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<GetResult>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      answer.then(resolve, reject);
    });
  }

  private async answer(call: number, path: string, query: QueryParams): Promise<GetResult> {
    const gate = this.gate;
    if (gate !== undefined) await gate;
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failure !== undefined) throw this.failure;
    const text = JSON.stringify(this.bodyFor(call, path, query));
    const bytes = Buffer.from(text, 'utf8');
    return { found: true, body: JSON.parse(text), raw: { chunks: [bytes], size: bytes.length } };
  }
}

/** Lets every pending promise callback and immediate run: a background refresh on a released call lands. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
