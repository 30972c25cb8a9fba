import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadUserInputError } from '../../../src/errors.js';
import {
  type ConnectionCursor,
  CursorCodec,
  type CursorKey,
  digestOf,
  MAX_CURSOR_LENGTH,
} from '../../../src/pagination/cursor.js';

const INVALID =
  "The cursor is not valid for this query. Cursors are opaque: pass back an edge's cursor unchanged, with the same filter.";
const FOREIGN = 'This cursor was issued for a different filter; start again without a cursor.';

const SECRET = 'test-secret-0123456789';
const codec = new CursorCodec(SECRET);
const DIGEST = 'AAAAAAAAAAA';
const expected = { filterDigest: DIGEST, streamCount: 2 };
const T = Date.UTC(2026, 0, 1);

const sample: ConnectionCursor = {
  filterDigest: DIGEST,
  edge: { stream: 1, createdAtMs: T, providerId: 'cmp_1' },
  hints: [25, ['c', 'abc', -2]],
  totals: [120, null],
  ownBoundaries: new Map(),
};
const SAMPLE_WIRE =
  '2.WyJBQUFBQUFBQUFBQSIsMSwxNzY3MjI1NjAwMDAwLCJjbXBfMSIsWzI1LFsiYyIsImFiYyIsLTJdXSxbMTIwLG51bGxdXQ.iE4gTqsCnPc';

/**
 * Signs any JSON text as the codec does (HMAC-SHA256 under a key derived from the secret, 11 base64url
 * characters), so the structural checks behind the signature can be reached. Checked against the codec below.
 */
function signed(json: string, secret = SECRET): string {
  const key = createHash('sha256').update('campaign-gateway cursor v2\u0000').update(secret).digest();
  const payload = Buffer.from(json, 'utf8').toString('base64url');
  return `2.${payload}.${createHmac('sha256', key).update(payload).digest('base64url').slice(0, 11)}`;
}

function rejection(run: () => unknown): BadUserInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof BadUserInputError) return error;
    throw error;
  }
  throw new Error('expected a BadUserInputError');
}

const payloadOf = (raw: string) =>
  Buffer.from(raw.slice(2, raw.lastIndexOf('.')), 'base64url').toString('utf8');

describe('CursorCodec', () => {
  it('has a stable wire format', () => {
    expect(codec.encode(sample)).toBe(SAMPLE_WIRE);
    expect(payloadOf(SAMPLE_WIRE)).toBe(
      '["AAAAAAAAAAA",1,1767225600000,"cmp_1",[25,["c","abc",-2]],[120,null]]',
    );
    expect(codec.decode(SAMPLE_WIRE, expected)).toEqual(sample);
    expect(signed(payloadOf(SAMPLE_WIRE))).toBe(SAMPLE_WIRE);
  });

  it.each<[string, Map<number, CursorKey | null>]>([
    ['no own boundaries', new Map()],
    ['a failed stream that had shown nothing', new Map([[0, null]])],
    [
      'a failed stream with its own key',
      new Map([[0, { stream: 0, createdAtMs: T - 5000, providerId: '98765' }]]),
    ],
    [
      'several',
      new Map<number, CursorKey | null>([
        [0, { stream: 1, createdAtMs: -1, providerId: 'x'.repeat(128) }],
        [1, null],
      ]),
    ],
  ])('round-trips %s', (_name, ownBoundaries) => {
    const cursor: ConnectionCursor = { ...sample, ownBoundaries };
    const raw = codec.encode(cursor);
    expect(raw).toMatch(/^2\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{11}$/);
    expect(codec.decode(raw, expected)).toEqual(cursor);
  });

  it('spells own boundaries as a seventh element', () => {
    const raw = codec.encode({
      ...sample,
      ownBoundaries: new Map([
        [0, { stream: 1, createdAtMs: T, providerId: 'p' }],
        [1, null],
      ]),
    });
    expect(payloadOf(raw)).toBe(
      '["AAAAAAAAAAA",1,1767225600000,"cmp_1",[25,["c","abc",-2]],[120,null],[[0,[1,1767225600000,"p"]],[1,null]]]',
    );
  });

  it('refuses every single-character change of a cursor', () => {
    const alphabet = 'ABab09-_.';
    for (let at = 0; at < SAMPLE_WIRE.length; at++) {
      const original = SAMPLE_WIRE.charAt(at);
      const other = alphabet.split('').find((character) => character !== original) ?? 'Z';
      const tampered = SAMPLE_WIRE.slice(0, at) + other + SAMPLE_WIRE.slice(at + 1);
      const error = rejection(() => codec.decode(tampered, expected));
      expect(error.message).toBe(INVALID);
      expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT' });
    }
  });

  it('refuses a cursor signed with another secret', () => {
    const other = new CursorCodec('another-secret-9876543210');
    expect(rejection(() => other.decode(SAMPLE_WIRE, expected)).message).toBe(INVALID);
    expect(rejection(() => codec.decode(other.encode(sample), expected)).message).toBe(INVALID);
    expect(other.decode(other.encode(sample), expected)).toEqual(sample);
  });

  it('says so when the cursor belongs to another filter', () => {
    const error = rejection(() => codec.decode(SAMPLE_WIRE, { filterDigest: 'BBBBBBBBBBB', streamCount: 2 }));
    expect(error.message).toBe(FOREIGN);
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });

  const edge = (stream: number) => ({ ...sample.edge, stream });
  it.each<[string, string, { filterDigest: string; streamCount: number }]>([
    ['an empty string', '', expected],
    ['the v1 format', '1.WyJBQUFBQUFBQUFBQSIsMSxbMjUsWyJjIiwiYWJjIiwtMl1dLFsxMjAsbnVsbF1d', expected],
    ['no MAC', SAMPLE_WIRE.slice(0, SAMPLE_WIRE.lastIndexOf('.')), expected],
    ['an empty MAC', SAMPLE_WIRE.slice(0, SAMPLE_WIRE.lastIndexOf('.') + 1), expected],
    ['a longer MAC', `${SAMPLE_WIRE}A`, expected],
    ['only a version', '2.', expected],
    ['a signed payload that is not base64url', signed('x').replace(/^2\.[^.]*/, '2.a*b'), expected],
    ['a stream count mismatch', SAMPLE_WIRE, { filterDigest: DIGEST, streamCount: 3 }],
    ['fewer hints than streams', codec.encode({ ...sample, hints: [25] }), expected],
    ['more totals than streams', codec.encode({ ...sample, totals: [1, 2, 3] }), expected],
    ['an edge stream out of range', codec.encode({ ...sample, edge: edge(2) }), expected],
    ['a negative edge stream', codec.encode({ ...sample, edge: edge(-1) }), expected],
    [
      'an own-boundary stream out of range',
      codec.encode({ ...sample, ownBoundaries: new Map([[2, null]]) }),
      expected,
    ],
    [
      "an own boundary's key on a stream out of range",
      codec.encode({ ...sample, ownBoundaries: new Map([[0, { ...sample.edge, stream: 5 }]]) }),
      expected,
    ],
    [
      'a fractional createdAt',
      codec.encode({ ...sample, edge: { ...sample.edge, createdAtMs: 1.5 } }),
      expected,
    ],
    ['an empty provider id', codec.encode({ ...sample, edge: { ...sample.edge, providerId: '' } }), expected],
    [
      'a provider id over 128 characters',
      codec.encode({ ...sample, edge: { ...sample.edge, providerId: 'x'.repeat(129) } }),
      expected,
    ],
    ['a negative total', codec.encode({ ...sample, totals: [-1, null] }), expected],
    ['signed bytes that are not UTF-8', signedBytes([0xff, 0xfe, 0x5b]), expected],
    ['signed text that is not JSON', signed('[1,2'), expected],
    ['signed JSON of the wrong shape', signed('{"digest":"AAAAAAAAAAA"}'), expected],
    ['signed, too few elements', signed('["AAAAAAAAAAA",0,0,"x",[1,2]]'), expected],
    ['signed, too many elements', signed('["AAAAAAAAAAA",0,0,"x",[1,2],[null,null],[],1]'), expected],
    [
      'signed, a malformed digest',
      signed('["AAAA",0,0,"x",[1,2],[null,null]]'),
      { filterDigest: 'AAAA', streamCount: 2 },
    ],
    ['signed, an instant out of range', signed('["AAAAAAAAAAA",0,1e300,"x",[1,2],[null,null]]'), expected],
    [
      `a signed cursor over ${MAX_CURSOR_LENGTH} characters`,
      codec.encode({ ...sample, hints: ['x'.repeat(MAX_CURSOR_LENGTH), 0] }),
      expected,
    ],
  ])('refuses %s', (_name, raw, expectation) => {
    const error = rejection(() => codec.decode(raw, expectation));
    expect(error.message).toBe(INVALID);
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it('accepts an empty own-boundary list (the 7-element form) as no own boundaries', () => {
    const raw = signed(`${payloadOf(SAMPLE_WIRE).slice(0, -1)},[]]`);
    expect(codec.decode(raw, expected)).toEqual(sample);
  });

  it('leaves hints to the streams: any JSON passes the codec', () => {
    const cursor = { ...sample, hints: [{ any: ['thing'] }, null] };
    expect(codec.decode(codec.encode(cursor), expected)).toEqual(cursor);
  });

  it('stays small with realistic hints (sizes quoted in the README)', () => {
    /** An Altur upstream cursor as the simulator spells them: base64url of [1, ms, id, side, filter hash]. */
    const alturCursor = (index: number) =>
      Buffer.from(JSON.stringify([1, T - index * 1000, 1234567890 + index, 'a', 'k3j5h2'])).toString(
        'base64url',
      );
    expect(alturCursor(0).length).toBeGreaterThanOrEqual(55);
    expect(alturCursor(0).length).toBeLessThanOrEqual(65);

    // Altur (an upstream cursor and a skip) and Auralytik (an offset), both with totals.
    const twoStreams = codec.encode({
      filterDigest: digestOf(['ALTUR {}', 'AURALYTIK {}']),
      edge: { stream: 1, createdAtMs: T, providerId: 'cmp_01J9ZQ4K7X2M3N5P6R8S9T0V1W' },
      hints: [['c', alturCursor(0), 3], 1250],
      totals: [4000, 3500],
      ownBoundaries: new Map(),
    });
    // Twelve Altur streams (three statuses by four integrations), one of them failed on this page.
    const twelveStreams = codec.encode({
      filterDigest: digestOf(Array.from({ length: 12 }, (_, index) => `ALTUR ${index}`)),
      edge: { stream: 11, createdAtMs: T, providerId: '1234567901' },
      hints: Array.from({ length: 12 }, (_, index) => ['c', alturCursor(index), index % 3]),
      totals: Array.from({ length: 12 }, () => 1234),
      ownBoundaries: new Map([[4, { stream: 4, createdAtMs: T + 60_000, providerId: '1234567800' }]]),
    });
    // README: a cursor over Altur and Auralytik is 213 characters; over twelve Altur streams, each with a
    // 56-character upstream cursor, and one failed stream's own boundary, 1265 (the v1 cursor was 928 for
    // twelve 40-character upstream cursors, without a signature or the edge's key).
    console.log(
      `cursor sizes: 2 streams ${twoStreams.length} chars, 12 streams ${twelveStreams.length} chars`,
    );
    expect(twoStreams.length).toBe(213);
    expect(twelveStreams.length).toBe(1265);
    expect(twoStreams.length).toBeLessThan(300);
    // Well inside what decode accepts (upstream cursors near their 1024-character cap would not be).
    expect(twelveStreams.length).toBeLessThan(MAX_CURSOR_LENGTH / 3);
  });
});

function signedBytes(bytes: number[]): string {
  const key = createHash('sha256').update('campaign-gateway cursor v2\u0000').update(SECRET).digest();
  const payload = Buffer.from(bytes).toString('base64url');
  return `2.${payload}.${createHmac('sha256', key).update(payload).digest('base64url').slice(0, 11)}`;
}

describe('digestOf', () => {
  it('is 11 base64url characters and does not depend on key order', () => {
    expect(digestOf({ b: [1, { d: 2, c: 1 }], a: 'x' })).toBe('SefNAQcdMxK');
    expect(digestOf({ a: 'x', b: [1, { c: 1, d: 2 }] })).toBe('SefNAQcdMxK');
    expect(digestOf(['ALTUR:status=RUNNING', 'AURALYTIK'])).toBe('3kWJflVlItj');
  });

  it('tells apart values that differ', () => {
    expect(digestOf({ a: 1 })).not.toBe(digestOf({ a: 2 }));
    expect(digestOf([1, 2])).not.toBe(digestOf([2, 1]));
    expect(digestOf(undefined)).toBe(digestOf(null));
  });

  it('is canonical for any JSON value, whatever the key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const digest = digestOf(value);
        expect(digest).toMatch(/^[A-Za-z0-9_-]{11}$/);
        expect(digestOf(reverseKeys(value))).toBe(digest);
      }),
    );
  });
});

const digestArbitrary = fc.string({
  minLength: 11,
  maxLength: 11,
  unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
});
const hintArbitrary = fc.oneof(
  fc.nat(),
  fc.tuple(fc.constant('e'), fc.nat()),
  fc.tuple(fc.constant('c'), fc.string({ minLength: 1, maxLength: 60 }), fc.integer({ min: -101, max: 101 })),
);

const cursorArbitrary: fc.Arbitrary<ConnectionCursor> = fc.integer({ min: 1, max: 12 }).chain((streams) => {
  const stream = fc.integer({ min: 0, max: streams - 1 });
  const key = fc.record({
    stream,
    createdAtMs: fc.integer({ min: -8.64e15, max: 8.64e15 }),
    providerId: fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }),
  });
  return fc.record({
    filterDigest: digestArbitrary,
    edge: key,
    hints: fc.array(hintArbitrary, { minLength: streams, maxLength: streams }),
    totals: fc.array(fc.option(fc.nat(), { nil: null }), { minLength: streams, maxLength: streams }),
    ownBoundaries: fc
      .array(fc.tuple(stream, fc.option(key, { nil: null })), { maxLength: streams })
      .map((entries) => new Map(entries)),
  });
});

/** Throws if decoding fails in any way other than a BadUserInputError. */
function decodeOrNull(raw: string, expectation: { filterDigest: string; streamCount: number }) {
  try {
    return codec.decode(raw, expectation);
  } catch (error) {
    if (error instanceof BadUserInputError) return null;
    throw error;
  }
}

describe('cursor properties', () => {
  it('round-trips any cursor', () => {
    fc.assert(
      fc.property(cursorArbitrary, (cursor) => {
        const raw = codec.encode(cursor);
        expect(raw).toMatch(/^2\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{11}$/);
        const expectation = { filterDigest: cursor.filterDigest, streamCount: cursor.hints.length };
        expect(codec.decode(raw, expectation)).toEqual(cursor);
      }),
      { numRuns: 60 },
    );
  });

  it('answers any string with a BadUserInputError', () => {
    const raw = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ maxLength: 200, unit: 'binary' }),
      fc.string({ maxLength: 5000 }).map((text) => `2.${text}`),
      fc.base64String({ maxLength: 300 }).map((text) => `2.${text}.${text.slice(0, 11)}`),
      fc
        .jsonValue()
        .map((value) => `2.${Buffer.from(JSON.stringify(value)).toString('base64url')}.AAAAAAAAAAA`),
    );
    fc.assert(
      fc.property(raw, fc.integer({ min: 0, max: 3 }), (text, streamCount) => {
        expect(decodeOrNull(text, { filterDigest: DIGEST, streamCount })).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('answers any signed JSON with a BadUserInputError or a cursor that round-trips', () => {
    const replacement = fc.oneof(
      fc.integer({ min: -2, max: 3 }),
      fc.double(),
      fc.constantFrom('s', 'e', 'c', '', null, [], {}, [0, null], [[0, null]], [[9, null]]),
      fc.string({ maxLength: 4 }),
    );
    const path = fc.array(fc.nat({ max: 12 }), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(cursorArbitrary, path, replacement, (cursor, where, value) => {
        const wire: unknown = JSON.parse(payloadOf(codec.encode(cursor)));
        const expectation = { filterDigest: cursor.filterDigest, streamCount: cursor.hints.length };
        const decoded = decodeOrNull(signed(JSON.stringify(replaceAt(wire, where, value))), expectation);
        if (decoded === null) return;
        expect(decoded.filterDigest).toBe(expectation.filterDigest);
        expect(decoded.hints).toHaveLength(expectation.streamCount);
        expect(decoded.totals).toHaveLength(expectation.streamCount);
        expect(decoded.edge.stream).toBeLessThan(expectation.streamCount);
        expect(codec.decode(codec.encode(decoded), expectation)).toEqual(decoded);
      }),
      { numRuns: 300 },
    );
  });

  it('answers any edit of a valid cursor with a BadUserInputError', () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        text: fc.string({ minLength: 1, maxLength: 3 }),
      }),
    );
    fc.assert(
      fc.property(cursorArbitrary, edit, (cursor, change) => {
        const raw = codec.encode(cursor);
        const at = change.at % (raw.length + (change.kind === 'insert' ? 1 : 0));
        const edited =
          change.kind === 'truncate'
            ? raw.slice(0, at)
            : change.kind === 'delete'
              ? raw.slice(0, at) + raw.slice(at + 1)
              : raw.slice(0, at) + change.text + raw.slice(at);
        const expectation = { filterDigest: cursor.filterDigest, streamCount: cursor.hints.length };
        expect(decodeOrNull(edited, expectation)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });
});

/** `value` with the element at `path` (indices into nested arrays, clamped) replaced by `replacement`. */
function replaceAt(value: unknown, path: readonly number[], replacement: unknown): unknown {
  const [index, ...rest] = path;
  if (index === undefined || !Array.isArray(value) || value.length === 0) return replacement;
  const at = index % value.length;
  return value.map((element, position) =>
    position === at ? replaceAt(element, rest, replacement) : element,
  );
}

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, inner]) => [key, reverseKeys(inner)]),
  );
}
