import { createHash, createHmac, createSecretKey, hash, type KeyObject, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { BadUserInputError } from '../errors.js';

/** A key in a cursor; its provider is that of the stream `stream`. */
export interface CursorKey {
  stream: number;
  createdAtMs: number;
  providerId: string;
}

export interface ConnectionCursor {
  /** Digest of the normalised filter and stream plan the cursor belongs to. */
  filterDigest: string;
  /** The edge's campaign: where the walk stands, for every stream not listed in `ownBoundaries`. */
  edge: CursorKey;
  /** Every stream's hint just after this edge, as the stream encoded it. */
  hints: unknown[];
  /** Every stream's last known total (null = unknown). */
  totals: (number | null)[];
  /**
   * Streams that stand elsewhere (they failed while the others moved on): their own boundary, or null for
   * one that has not shown anything yet.
   */
  ownBoundaries: Map<number, CursorKey | null>;
}

export const MAX_CURSOR_LENGTH = 4096;
export const DIGEST_LENGTH = 11;
const MAC_LENGTH = 11;
const VERSION_PREFIX = '2.';
const MAX_ID_LENGTH = 128;

const INVALID_CURSOR =
  "The cursor is not valid for this query. Cursors are opaque: pass back an edge's cursor unchanged, with the same filter.";
const FOREIGN_CURSOR = 'This cursor was issued for a different filter; start again without a cursor.';

const count = z.int().min(0);
const instant = z.int().min(-8.64e15).max(8.64e15);
const providerId = z.string().min(1).max(MAX_ID_LENGTH);
const wireKey = z.tuple([count, instant, providerId]);
const cursorHead = [
  z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${DIGEST_LENGTH}}$`)),
  count,
  instant,
  providerId,
  z.array(z.unknown()),
  z.array(count.nullable()),
] as const;
/** [filterDigest, edgeStream, edgeCreatedAtMs, edgeProviderId, hints, totals, ownBoundaries?] */
const wireCursor = z.union([
  z.tuple(cursorHead),
  z.tuple([...cursorHead, z.array(z.tuple([count, wireKey.nullable()]))]),
]);

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Cursors are signed (HMAC-SHA256, truncated): a client can pass one back but not forge or edit one, so every
 * position a stream reads from is one the gateway issued. The key comes from the configuration; replicas that
 * share it accept each other's cursors.
 */
export class CursorCodec {
  /** A KeyObject, made once: a Buffer key is prepared again by every createHmac. */
  private readonly key: KeyObject;

  constructor(secret: string) {
    this.key = createSecretKey(
      createHash('sha256').update('campaign-gateway cursor v2\u0000').update(secret).digest(),
    );
  }

  encode(cursor: ConnectionCursor): string {
    const wire: unknown[] = [
      cursor.filterDigest,
      cursor.edge.stream,
      cursor.edge.createdAtMs,
      cursor.edge.providerId,
      cursor.hints,
      cursor.totals,
    ];
    if (cursor.ownBoundaries.size > 0) {
      wire.push(
        [...cursor.ownBoundaries].map(([stream, key]) => [
          stream,
          key === null ? null : [key.stream, key.createdAtMs, key.providerId],
        ]),
      );
    }
    const payload = Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url');
    return `${VERSION_PREFIX}${payload}.${this.mac(payload)}`;
  }

  /**
   * Reads a cursor that came back from a client. Anything wrong with it is the client's input, so every
   * failure is a BadUserInputError; the caller adds which argument carried it.
   */
  decode(raw: string, expected: { filterDigest: string; streamCount: number }): ConnectionCursor {
    if (raw.length > MAX_CURSOR_LENGTH || !raw.startsWith(VERSION_PREFIX)) throw invalid();
    const dot = raw.lastIndexOf('.');
    const payload = raw.slice(VERSION_PREFIX.length, dot);
    const mac = raw.slice(dot + 1);
    if (dot < VERSION_PREFIX.length || !BASE64URL.test(payload) || !this.verify(payload, mac))
      throw invalid();

    let json: unknown;
    try {
      json = JSON.parse(strictUtf8.decode(Buffer.from(payload, 'base64url')));
    } catch {
      throw invalid();
    }
    const parsed = wireCursor.safeParse(json);
    if (!parsed.success) throw invalid();
    const [filterDigest, edgeStream, createdAtMs, edgeId, hints, totals] = parsed.data;
    const own = parsed.data.length === 7 ? parsed.data[6] : [];
    if (filterDigest !== expected.filterDigest) throw new BadUserInputError(FOREIGN_CURSOR);
    const streams = expected.streamCount;
    const inRange = (stream: number) => stream < streams;
    if (
      hints.length !== streams ||
      totals.length !== streams ||
      !inRange(edgeStream) ||
      !own.every(([stream, key]) => inRange(stream) && (key === null || inRange(key[0])))
    ) {
      throw invalid();
    }
    return {
      filterDigest,
      edge: { stream: edgeStream, createdAtMs, providerId: edgeId },
      hints,
      totals,
      ownBoundaries: new Map(
        own.map(([stream, key]) => [
          stream,
          key === null ? null : { stream: key[0], createdAtMs: key[1], providerId: key[2] },
        ]),
      ),
    };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url').slice(0, MAC_LENGTH);
  }

  private verify(payload: string, mac: string): boolean {
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/**
 * A short, stable digest of a JSON-serialisable value: canonical JSON (object keys sorted at every level)
 * -> sha256 -> base64url, first 11 characters (66 bits: collisions between one client's filters are not a
 * concern, and the cursor stays short).
 */
export function digestOf(canonical: unknown): string {
  const json = JSON.stringify(canonical, sortObjectKeys) ?? 'null';
  return hash('sha256', json, 'base64url').slice(0, DIGEST_LENGTH);
}

function sortObjectKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function invalid(): BadUserInputError {
  return new BadUserInputError(INVALID_CURSOR);
}
