import { z } from 'zod';

// Hand-written rather than Date.parse: engines disagree on zone-less strings (local vs UTC) and
// accept oddities such as "2024-02-31", while providers need one predictable reading.
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return DAYS_IN_MONTH[month - 1] ?? 0;
}

/** Minutes east of UTC, or null when the designator is out of range. */
function offsetMinutes(zone: string): number | null {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const hours = Number(zone.slice(1, 3));
  const rest = zone.slice(3);
  const minutes = rest === '' ? 0 : Number(rest.startsWith(':') ? rest.slice(1) : rest);
  if (hours > 23 || minutes > 59) return null;
  return sign * (hours * 60 + minutes);
}

const MS_PER_DAY = 86_400_000;

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). Integer arithmetic
 * rather than Date.UTC, which is slower per call and maps years 0-99 to 1900-1999.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Epoch ms, or null when a field is out of range; the same checks whichever reader found the fields. */
function checkedEpochMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millis: number,
  offset: number,
): number | null {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const msOfDay = ((hour * 60 + minute) * 60 + second) * 1000 + millis;
  return daysFromCivil(year, month, day) * MS_PER_DAY + msOfDay - offset * 60_000;
}

/** 0-9 for an ASCII digit at `index`, otherwise a value above 9 (the subtraction wraps when unsigned). */
function digitAt(value: string, index: number): number {
  return (value.charCodeAt(index) - 48) >>> 0;
}

function twoDigits(value: string, index: number): number {
  const tens = digitAt(value, index);
  const ones = digitAt(value, index + 1);
  return tens > 9 || ones > 9 ? -1 : tens * 10 + ones;
}

const SPACE = 32;
const COMMA = 44;
const DASH = 45;
const DOT = 46;
const COLON = 58;
const UPPER_T = 84;
const UPPER_Z = 90;
const LOWER_T = 116;
const LOWER_Z = 122;

/**
 * The forms providers actually send (`2025-10-03T19:11:39Z`, with a fraction, zone-less with `T` or a
 * space) read by char codes; undefined for anything else, which INSTANT then reads. Every string read
 * here is one INSTANT matches with the same fields, so both readers always agree.
 */
function commonFormMs(value: string): number | null | undefined {
  const length = value.length;
  if (length < 19) return undefined;
  const y1 = twoDigits(value, 0);
  const y2 = twoDigits(value, 2);
  const month = twoDigits(value, 5);
  const day = twoDigits(value, 8);
  const hour = twoDigits(value, 11);
  const minute = twoDigits(value, 14);
  const second = twoDigits(value, 17);
  const separator = value.charCodeAt(10);
  if (
    (y1 | y2 | month | day | hour | minute | second) < 0 ||
    value.charCodeAt(4) !== DASH ||
    value.charCodeAt(7) !== DASH ||
    (separator !== UPPER_T && separator !== LOWER_T && separator !== SPACE) ||
    value.charCodeAt(13) !== COLON ||
    value.charCodeAt(16) !== COLON
  ) {
    return undefined;
  }
  let index = 19;
  let millis = 0;
  const mark = value.charCodeAt(index);
  if (mark === DOT || mark === COMMA) {
    const start = ++index;
    for (; index < length && digitAt(value, index) <= 9; index++) {
      if (index - start < 3) millis = millis * 10 + digitAt(value, index);
    }
    const digits = index - start;
    // None or more than nine: INSTANT decides (it rejects both).
    if (digits === 0 || digits > 9) return undefined;
    if (digits === 1) millis *= 100;
    else if (digits === 2) millis *= 10;
  }
  if (index < length) {
    const zone = value.charCodeAt(index);
    if ((zone !== UPPER_Z && zone !== LOWER_Z) || index + 1 !== length) return undefined;
  }
  return checkedEpochMs(y1 * 100 + y2, month, day, hour, minute, second, millis, 0);
}

/**
 * Reads a provider timestamp leniently: ISO 8601 with `Z` or an offset, with or without fractional
 * seconds; a zone-less date-time (`2025-10-03 19:11:39` or with `T`) as UTC; a date alone as UTC
 * midnight. Anything else, including impossible dates such as `2024-02-30`, gives null.
 */
export function parseProviderInstant(value: string): Date | null {
  const ms = providerInstantMs(value);
  return ms === null ? null : new Date(ms);
}

function providerInstantMs(value: string): number | null {
  const common = commonFormMs(value);
  if (common !== undefined) return common;
  const match = INSTANT.exec(value.trim());
  if (match === null) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = match;
  const offset = zone === undefined ? 0 : offsetMinutes(zone);
  if (offset === null) return null;
  return checkedEpochMs(
    Number(y),
    Number(mo),
    Number(d),
    h === undefined ? 0 : Number(h),
    mi === undefined ? 0 : Number(mi),
    s === undefined ? 0 : Number(s),
    frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0')),
    offset,
  );
}

const SHOWN_CHARS = 60;

/** A raw value for an issue message, cut short so a hostile payload cannot flood the logs. */
export function showValue(value: unknown): string {
  let text: string;
  try {
    // undefined, functions and symbols stringify to undefined.
    text = JSON.stringify(value) ?? typeof value;
  } catch {
    // BigInt and cyclic values.
    text = typeof value;
  }
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text;
}

function toInstant(value: string, ctx: z.RefinementCtx<string>): Date {
  const date = parseProviderInstant(value);
  if (date === null) {
    ctx.issues.push({ code: 'custom', message: `not a timestamp: ${showValue(value)}`, input: value });
    return z.NEVER;
  }
  return date;
}

/** What {@link optionalInstant} gives for a value, without a zod run: the mappings' fast paths use it. */
export function readOptionalInstant(value: unknown): Date | null {
  return typeof value === 'string' ? parseProviderInstant(value) : null;
}

/** A required timestamp: garbage fails the item it belongs to. */
export const instant = z.string().transform(toInstant);

// Not z.unknown().transform(): zod then reports an absent key as a missing required value.
/** An optional timestamp: absent, null, empty, wrong-typed or unreadable all become null. */
export const optionalInstant = z.string().nullish().catch(null).transform(readOptionalInstant);
