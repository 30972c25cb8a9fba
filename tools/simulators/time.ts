// The simulators keep their own instant parser instead of importing the gateway's: a shared parser
// would let a parsing bug agree with itself and pass every test.
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Epoch milliseconds of an ISO 8601 instant, or null. Zone-less date-times and bare dates are UTC,
 * matching how Altur's zone-less timestamps are meant to be read.
 */
export function parseInstantMs(value: string): number | null {
  const match = INSTANT.exec(value);
  if (match === null) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const millis = Number(frac.slice(0, 3).padEnd(3, '0'));
  const base = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC silently rolls 2024-02-30 over into March; a real API would reject it.
  if (new Date(base).getUTCDate() !== day) return null;
  if (zone === 'Z') return base;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetHours = Number(digits.slice(0, 2));
  const offsetMinutes = Number(digits.slice(2, 4));
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  return base - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
}

/** `2025-10-03T19:11:39Z`, keeping milliseconds only when there are some. */
export function formatIsoSeconds(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}

/** Altur's zone-less form `2025-10-03 19:11:39` (UTC wall time); null when it would drop milliseconds. */
export function formatZoneless(ms: number): string | null {
  if (ms % 1000 !== 0) return null;
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** FNV-1a, 32 bits: a stable, dependency-free hash for cursors and deterministic per-item choices. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
