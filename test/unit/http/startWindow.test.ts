import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StartWindow } from '../../../src/http/startWindow.js';

/** Starts reserved for calls made at `calls` (ms, non-decreasing), on a clock that reads the call's time. */
function reserved(limit: number, windowMs: number, calls: readonly number[]): number[] {
  let clock = 0;
  const window = new StartWindow(limit, windowMs, () => clock);
  return calls.map((at) => {
    clock = at;
    return at + window.reserve();
  });
}

const callTimes = fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 120 }).map((gaps) => {
  let at = 0;
  return gaps.map((gap) => {
    at += gap;
    return at;
  });
});

describe('StartWindow', () => {
  it('never lets more than `limit` starts into any window, and starts each call as soon as that allows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 15 }),
        fc.integer({ min: 1, max: 2000 }),
        callTimes,
        (limit, windowMs, calls) => {
          const starts = reserved(limit, windowMs, calls);
          starts.forEach((start, index) => {
            const call = calls[index] ?? 0;
            expect(start).toBeGreaterThanOrEqual(call);
            // In call order, and `limit` starts apart by at least a window.
            if (index > 0) expect(start).toBeGreaterThanOrEqual(starts[index - 1] ?? 0);
            const before = starts[index - limit];
            if (before !== undefined) expect(start - before).toBeGreaterThanOrEqual(windowMs);
            // Not later than it must be: at its call, or exactly a window after the start `limit` before it.
            expect(start === call || (before !== undefined && start === before + windowMs)).toBe(true);
          });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('lets a burst of `limit` through at once, then the next when the window has passed', () => {
    expect(reserved(3, 1000, [0, 0, 0, 0, 0, 10])).toEqual([0, 0, 0, 1000, 1000, 1000]);
  });

  it('keeps the configured rate at any limit, where p-throttle 8 spaced calls a whole ms apart', () => {
    // 10 000 a window of 1.1 s, called 5 000 times a second for 4 s: every call starts when it is made.
    const calls = Array.from({ length: 20_000 }, (_, index) => index * 0.2);
    expect(reserved(10_000, 1100, calls)).toEqual(calls);
  });

  it('refuses a limit below one', () => {
    expect(() => new StartWindow(0, 1000)).toThrow(RangeError);
  });
});
