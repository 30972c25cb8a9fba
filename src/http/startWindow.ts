import { setTimeout as sleep } from 'node:timers/promises';

/**
 * At most `limit` calls start in any `windowMs`: each call's start is reserved, in call order, at the later of
 * now and the start reserved `limit` calls before it plus the window (a sliding log of the last `limit`
 * starts, O(1) a call). It replaces p-throttle 8's strict mode, which once `limit` starts are on record spaces
 * calls ceil(windowMs / limit) ms apart: at most 1 000 a second, 333 for a limit of 500 a second, and bursts
 * smoothed although the window has room (BENCHMARKS.md, *What was done*). Its weighted mode keeps the
 * window but cost ~110 µs a call at a limit of 10 000.
 */
export class StartWindow {
  /** The last `limit` reserved starts (epoch ms), oldest at `next`. */
  private readonly starts: Float64Array;
  private next = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    this.starts = new Float64Array(limit).fill(Number.NEGATIVE_INFINITY);
  }

  /** Takes the next start and says how many ms from now it is (0: start now). */
  reserve(): number {
    const now = this.now();
    const at = Math.max(now, (this.starts[this.next] ?? Number.NEGATIVE_INFINITY) + this.windowMs);
    this.starts[this.next] = at;
    this.next = (this.next + 1) % this.limit;
    return at - now;
  }

  /** Runs `task` at its reserved start. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    const wait = this.reserve();
    if (wait > 0) await sleep(wait);
    return task();
  }
}
