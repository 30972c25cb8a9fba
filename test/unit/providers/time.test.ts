import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { instant, optionalInstant, parseProviderInstant, showValue } from '../../../src/providers/time.js';

describe('parseProviderInstant', () => {
  it.each([
    ['2024-01-10T09:00:00Z', '2024-01-10T09:00:00.000Z'],
    ['2024-01-10T09:00:00z', '2024-01-10T09:00:00.000Z'],
    ['2024-01-10T09:00:00.123Z', '2024-01-10T09:00:00.123Z'],
    ['2024-01-10T09:00:00.1Z', '2024-01-10T09:00:00.100Z'],
    ['2024-01-10T09:00:00.123456789Z', '2024-01-10T09:00:00.123Z'],
    ['2024-01-10T09:00:00,5Z', '2024-01-10T09:00:00.500Z'],
    ['2024-01-10T09:00:00+02:00', '2024-01-10T07:00:00.000Z'],
    ['2024-01-10T09:00:00-0530', '2024-01-10T14:30:00.000Z'],
    ['2024-01-10T09:00:00+02', '2024-01-10T07:00:00.000Z'],
    ['2024-01-10T01:00:00+05:00', '2024-01-09T20:00:00.000Z'],
    ['2024-01-10T09:00Z', '2024-01-10T09:00:00.000Z'],
    ['2025-10-03 19:11:39', '2025-10-03T19:11:39.000Z'],
    ['2025-10-03T19:11:39', '2025-10-03T19:11:39.000Z'],
    ['2025-10-03 19:11:39.250', '2025-10-03T19:11:39.250Z'],
    ['2024-01-15', '2024-01-15T00:00:00.000Z'],
    ['  2024-01-15T00:00:00Z  ', '2024-01-15T00:00:00.000Z'],
    ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'],
    ['0050-06-01T00:00:00Z', '0050-06-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ])('reads %j as %s', (input, expected) => {
    expect(parseProviderInstant(input)?.toISOString()).toBe(expected);
  });

  it.each([
    '',
    'garbage',
    '<string>',
    '2024',
    '2024-01',
    '2024-13-01',
    '2024-00-10',
    '2024-02-30',
    '2023-02-29',
    '2024-01-10T24:00:00Z',
    '2024-01-10T09:60:00Z',
    '2024-01-10T09:00:60Z',
    '2024-01-10T09:00:00+24:00',
    '2024-01-10T09:00:00+02:60',
    '2024-01-10T09:00:00 UTC',
    '2024-01-15Z',
    '1704877200000',
    '10/01/2024',
    'Wed, 10 Jan 2024 09:00:00 GMT',
  ])('rejects %j', (input) => {
    expect(parseProviderInstant(input)).toBeNull();
  });

  it('reads back every ISO string Date renders, to the millisecond', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0000-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (date) => {
          expect(parseProviderInstant(date.toISOString())?.getTime()).toBe(date.getTime());
        },
      ),
    );
  });

  it('gives the same instant whatever offset the provider writes it in', () => {
    const offsets = fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 });
    const dates = fc.date({
      min: new Date('1970-01-01T00:00:00Z'),
      max: new Date('2100-01-01T00:00:00Z'),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(dates, offsets, (date, offset) => {
        const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 23);
        const abs = Math.abs(offset);
        const zone = `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        expect(parseProviderInstant(local + zone)?.getTime()).toBe(date.getTime());
      }),
    );
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const date = parseProviderInstant(value);
        expect(date === null || !Number.isNaN(date.getTime())).toBe(true);
      }),
    );
  });
});

describe('instant and optionalInstant', () => {
  const item = z.object({ at: instant, maybe: optionalInstant });

  it('turns timestamps into Dates', () => {
    expect(item.parse({ at: '2025-10-03 19:11:39', maybe: '2024-01-15' })).toEqual({
      at: new Date('2025-10-03T19:11:39Z'),
      maybe: new Date('2024-01-15T00:00:00Z'),
    });
  });

  it('fails a required timestamp that is garbage, naming the value', () => {
    const result = item.safeParse({ at: 'yesterday' });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toMatchObject([{ path: ['at'], message: 'not a timestamp: "yesterday"' }]);
  });

  it('fails a required timestamp that is missing or not a string', () => {
    expect(item.safeParse({}).success).toBe(false);
    expect(item.safeParse({ at: 1704877200000 }).success).toBe(false);
  });

  it.each([[undefined], [null], [''], ['garbage'], [42], [{}], [true]])(
    'turns an optional %j into null',
    (maybe) => {
      expect(item.parse({ at: '2024-01-15', maybe }).maybe).toBeNull();
    },
  );

  it('keeps issue messages short', () => {
    const result = instant.safeParse('x'.repeat(500));
    expect(result.error?.issues[0]?.message.length).toBeLessThan(100);
    expect(showValue(10n)).toBe('bigint');
    expect(showValue(undefined)).toBe('undefined');
  });
});
