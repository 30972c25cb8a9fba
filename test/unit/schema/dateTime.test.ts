import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toIsoInstant } from '../../../src/schema/scalars.js';

// The DateTime scalar renders with toIsoInstant; the builtin toISOString is the reference it must match.

function reference(date: Date): string | 'throws' {
  try {
    return date.toISOString();
  } catch {
    return 'throws';
  }
}

function fast(date: Date): string | 'throws' {
  try {
    return toIsoInstant(date);
  } catch {
    return 'throws';
  }
}

describe('toIsoInstant', () => {
  it('renders every instant exactly as toISOString does, throwing where it throws', () => {
    const anyMs = fc.oneof(
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
      fc.integer({ min: -62_167_219_200_000 - 1e11, max: 253_402_300_799_999 + 1e11 }),
      fc.integer({ min: 1.5e12, max: 1.9e12 }),
      fc.constantFrom(
        0,
        -1,
        1,
        -62_167_219_200_000,
        -62_167_219_200_001,
        253_402_300_799_999,
        253_402_300_800_000,
      ),
      fc.constantFrom(Number.NaN, 8.64e15 + 1, Number.POSITIVE_INFINITY),
    );
    fc.assert(
      fc.property(anyMs, (ms) => {
        const date = new Date(ms);
        expect(fast(date)).toBe(reference(date));
      }),
      { numRuns: 20_000 },
    );
  });

  it('renders leap days, centuries and the last millisecond of a day', () => {
    for (const text of [
      '2024-02-29T23:59:59.999Z',
      '2000-02-29T00:00:00.000Z',
      '1900-03-01T00:00:00.000Z',
      '0000-01-01T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
      '1969-12-31T23:59:59.999Z',
    ]) {
      expect(toIsoInstant(new Date(text))).toBe(text);
    }
  });
});
