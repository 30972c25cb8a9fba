import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseProviderInstant, readOptionalInstant } from '../../../src/providers/time.js';

// parseProviderInstant reads the common forms by char codes and computes epoch ms by arithmetic. This is
// the regex-and-Date reader it replaced, kept as the reference both must agree with on every string.
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

function referenceMs(value: string): number | null {
  const match = INSTANT.exec(value.trim());
  if (match === null) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  const millis = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  if (month < 1 || month > 12 || day < 1 || day > days) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offset = 0;
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const hours = Number(zone.slice(1, 3));
    const rest = zone.slice(3);
    const minutes = rest === '' ? 0 : Number(rest.startsWith(':') ? rest.slice(1) : rest);
    if (hours > 23 || minutes > 59) return null;
    offset = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime() - offset * 60_000;
}

const pad = (width: number) => (n: number) => String(n).padStart(width, '0');
const digits = (min: number, max: number, width: number) => fc.integer({ min, max }).map(pad(width));
/** Mostly a well-formed piece, sometimes a near miss. */
const piece = (good: fc.Arbitrary<string>, ...odd: string[]) =>
  fc.oneof({ arbitrary: good, weight: 30 }, { arbitrary: fc.constantFrom(...odd), weight: 1 });

const timestampLike = fc
  .tuple(
    piece(fc.constantFrom('', ''), ' ', '\t', '\u00a0', '\ufeff', 'x'),
    piece(digits(0, 9999, 4), '999', '10000', '2O24', '-2024', '+2024'),
    piece(fc.constant('-'), '/', '', '--'),
    piece(digits(0, 13, 2), '1', '001', '1a'),
    piece(fc.constant('-'), '/', ''),
    piece(digits(0, 32, 2), '1', '001', '3 '),
    piece(fc.constantFrom('T', 't', ' ', ''), '_', 'TT', '  ', '\n'),
    piece(digits(0, 25, 2), '1', '', '2:'),
    piece(fc.constant(':'), '', '::', '.'),
    piece(digits(0, 61, 2), '1', ''),
    piece(fc.constant(':'), '', '::', '.'),
    piece(digits(0, 61, 2), '1', '', '123'),
    piece(
      fc.oneof(
        fc.constant(''),
        fc
          .tuple(fc.constantFrom('.', ','), fc.stringMatching(/^\d{1,11}$/))
          .map(([mark, frac]) => mark + frac),
      ),
      '.',
      ',',
      '.1.2',
      '.x',
    ),
    piece(fc.constantFrom('', '', ' ', '  '), '\t', '\u2028'),
    piece(
      fc.constantFrom('', 'Z', 'z', '+02:00', '-0530', '+02', '-00:00', '+23:59'),
      '+24:00',
      '+02:60',
      'UTC',
      'ZZ',
      'Z ',
      '+2',
      '+02:0',
    ),
    piece(fc.constantFrom('', ''), ' ', '\t', '\u00a0', 'x', '\0'),
  )
  .map((parts) => parts.join(''));

/** A string with one character replaced, so that near misses at every position get tried. */
const mutated = fc
  .tuple(timestampLike, fc.nat(), fc.string({ minLength: 1, maxLength: 1 }))
  .map(([text, at, char]) =>
    text === '' ? char : text.slice(0, at % text.length) + char + text.slice((at % text.length) + 1),
  );

function readMs(value: string): number | null {
  return parseProviderInstant(value)?.getTime() ?? null;
}

describe('parseProviderInstant against the regex reader it replaced', () => {
  it('agrees on timestamp-like strings and near misses', () => {
    fc.assert(
      fc.property(fc.oneof(timestampLike, mutated, fc.string()), (value) => {
        expect(readMs(value)).toBe(referenceMs(value));
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees on every instant of years 0 to 9999 in the forms providers send', () => {
    const forms = fc.constantFrom(
      (iso: string) => iso,
      (iso: string) => `${iso.slice(0, 19)}Z`,
      (iso: string) => iso.slice(0, 19).replace('T', ' '),
      (iso: string) => `${iso.slice(0, 23)}456789z`,
      (iso: string) => `${iso.slice(0, 21)}Z`,
      (iso: string) => iso.slice(0, 10),
    );
    const dates = fc.date({
      min: new Date('0000-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59.999Z'),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(dates, forms, (date, form) => {
        const value = form(date.toISOString());
        expect(readMs(value)).toBe(referenceMs(value));
        expect(readMs(value)).not.toBeNull();
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    ['1969-12-31T23:59:59.999Z', -1],
    ['1970-01-01T00:00:00Z', 0],
    ['0000-01-01T00:00:00Z', -62_167_219_200_000],
    ['0000-02-29T00:00:00Z', -62_162_121_600_000],
    ['0099-12-31T23:59:59Z', -59_011_459_201_000],
    ['0100-02-29T00:00:00Z', null],
    ['2000-02-29 00:00:00', 951_782_400_000],
    ['2024-01-10T09:00:00.5Z', 1_704_877_200_500],
    ['2024-01-10T09:00:00.05z', 1_704_877_200_050],
    ['2024-01-10T09:00:00.', null],
    ['2024-01-10T09:00:00.1234567890Z', null],
  ])('reads %j as %s', (value, expected) => {
    expect(readMs(value)).toBe(expected);
    expect(referenceMs(value)).toBe(expected);
  });
});

describe('readOptionalInstant', () => {
  it.each([[undefined], [null], [''], ['garbage'], [42], [{}], [true], [['2024-01-15']]])(
    'turns %j into null',
    (value) => {
      expect(readOptionalInstant(value)).toBeNull();
    },
  );

  it('reads a timestamp string', () => {
    expect(readOptionalInstant('2024-01-15')).toEqual(new Date('2024-01-15T00:00:00Z'));
  });
});
