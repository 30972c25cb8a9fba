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

/**
 * Reads a provider timestamp leniently: ISO 8601 with `Z` or an offset, with or without fractional
 * seconds; a zone-less date-time (`2025-10-03 19:11:39` or with `T`) as UTC; a date alone as UTC
 * midnight. Anything else, including impossible dates such as `2024-02-30`, gives null.
 */
export function parseProviderInstant(value: string): Date | null {
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
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const offset = zone === undefined ? 0 : offsetMinutes(zone);
  if (offset === null) return null;
  // Not Date.UTC: it maps years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  date.setTime(date.getTime() - offset * 60_000);
  return date;
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

function toOptionalInstant(value: string | null | undefined): Date | null {
  return typeof value === 'string' ? parseProviderInstant(value) : null;
}

/** A required timestamp: garbage fails the item it belongs to. */
export const instant = z.string().transform(toInstant);

// Not z.unknown().transform(): zod then reports an absent key as a missing required value.
/** An optional timestamp: absent, null, empty, wrong-typed or unreadable all become null. */
export const optionalInstant = z.string().nullish().catch(null).transform(toOptionalInstant);
