import { createHash } from 'node:crypto';
import { z } from 'zod';
import { BadUserInputError } from '../errors.js';

/** Where a stream stands between two of its items. */
export type StreamPosition =
  /** Page-numbered API: absolute offset, >= 0. */
  | { kind: 'offset'; offset: number }
  /** Cursor API: `skip` items after the list start, >= 0. */
  | { kind: 'start'; skip: number }
  /** Cursor API: `back` items before the list end, >= 0. */
  | { kind: 'end'; back: number }
  /** Cursor API: an upstream cursor, then `skip` items further (negative: before it). */
  | { kind: 'cursor'; cursor: string; skip: number };

export interface ConnectionCursor {
  /** Digest of the normalised filter and stream plan the cursor belongs to. */
  filterDigest: string;
  /** Which stream the edge's item came from. */
  edgeStream: number;
  /** Every stream's position just after this edge. */
  positions: StreamPosition[];
  /** Every stream's last known total (null = unknown). */
  totals: (number | null)[];
}

export const MAX_CURSOR_LENGTH = 4096;
export const MAX_UPSTREAM_CURSOR_LENGTH = 1024;
export const DIGEST_LENGTH = 11;

const VERSION_PREFIX = '1.';

const INVALID_CURSOR =
  "The cursor is not valid for this query. Cursors are opaque: pass back an edge's cursor unchanged, with the same filter.";
const FOREIGN_CURSOR = 'This cursor was issued for a different filter; start again without a cursor.';

const count = z.int().min(0);
const wirePosition = z.union([
  count,
  z.tuple([z.literal('s'), count]),
  z.tuple([z.literal('e'), count]),
  z.tuple([z.literal('c'), z.string().min(1).max(MAX_UPSTREAM_CURSOR_LENGTH), z.int()]),
]);
type WirePosition = z.infer<typeof wirePosition>;

/** [filterDigest, edgeStream, positions, totals]; the version lives in the prefix so a v2 need not be JSON. */
const wireCursor = z.tuple([
  z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${DIGEST_LENGTH}}$`)),
  count,
  z.array(wirePosition),
  z.array(count.nullable()),
]);
type WireCursor = z.infer<typeof wireCursor>;

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeCursor(cursor: ConnectionCursor): string {
  const wire: WireCursor = [
    cursor.filterDigest,
    cursor.edgeStream,
    cursor.positions.map(toWire),
    cursor.totals,
  ];
  return VERSION_PREFIX + Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url');
}

/**
 * Reads a cursor that came back from a client. Anything wrong with it is the client's input, so every
 * failure is a BadUserInputError; the caller adds which argument carried it.
 */
export function decodeCursor(
  raw: string,
  expected: { filterDigest: string; streamCount: number },
): ConnectionCursor {
  if (raw.length > MAX_CURSOR_LENGTH || !raw.startsWith(VERSION_PREFIX)) throw invalid();
  const payload = raw.slice(VERSION_PREFIX.length);
  // Node's decoder skips characters outside the alphabet; only the one spelling we emit is accepted.
  if (!BASE64URL.test(payload)) throw invalid();
  const bytes = Buffer.from(payload, 'base64url');
  if (bytes.toString('base64url') !== payload) throw invalid();

  let json: unknown;
  try {
    json = JSON.parse(strictUtf8.decode(bytes));
  } catch {
    throw invalid();
  }
  const parsed = wireCursor.safeParse(json);
  if (!parsed.success) throw invalid();

  const [filterDigest, edgeStream, positions, totals] = parsed.data;
  if (filterDigest !== expected.filterDigest) throw new BadUserInputError(FOREIGN_CURSOR);
  if (
    positions.length !== expected.streamCount ||
    totals.length !== expected.streamCount ||
    edgeStream >= expected.streamCount
  ) {
    throw invalid();
  }
  return { filterDigest, edgeStream, positions: positions.map(fromWire), totals };
}

/**
 * A short, stable digest of a JSON-serialisable value: canonical JSON (object keys sorted at every level)
 * -> sha256 -> base64url, first 11 characters (66 bits: collisions between one client's filters are not a
 * concern, and the cursor stays short).
 */
export function digestOf(canonical: unknown): string {
  const json = JSON.stringify(canonical, sortObjectKeys) ?? 'null';
  return createHash('sha256').update(json).digest('base64url').slice(0, DIGEST_LENGTH);
}

/** The position `by` items earlier in the stream. */
export function retreatPosition(position: StreamPosition, by: number): StreamPosition {
  return advancePosition(position, -by);
}

/** The position `by` items later in the stream. */
export function advancePosition(position: StreamPosition, by: number): StreamPosition {
  switch (position.kind) {
    case 'offset':
      return { kind: 'offset', offset: position.offset + by };
    case 'start':
      return { kind: 'start', skip: position.skip + by };
    case 'end':
      return { kind: 'end', back: position.back - by };
    case 'cursor':
      return { kind: 'cursor', cursor: position.cursor, skip: position.skip + by };
  }
}

function toWire(position: StreamPosition): WirePosition {
  switch (position.kind) {
    case 'offset':
      return position.offset;
    case 'start':
      return ['s', position.skip];
    case 'end':
      return ['e', position.back];
    case 'cursor':
      return ['c', position.cursor, position.skip];
  }
}

function fromWire(wire: WirePosition): StreamPosition {
  if (typeof wire === 'number') return { kind: 'offset', offset: wire };
  switch (wire[0]) {
    case 's':
      return { kind: 'start', skip: wire[1] };
    case 'e':
      return { kind: 'end', back: wire[1] };
    case 'c':
      return { kind: 'cursor', cursor: wire[1], skip: wire[2] };
  }
}

function sortObjectKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function invalid(): BadUserInputError {
  return new BadUserInputError(INVALID_CURSOR);
}
