import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadUserInputError } from '../../../src/errors.js';
import {
  advancePosition,
  type ConnectionCursor,
  decodeCursor,
  digestOf,
  encodeCursor,
  retreatPosition,
  type StreamPosition,
} from '../../../src/pagination/cursor.js';

const INVALID =
  "The cursor is not valid for this query. Cursors are opaque: pass back an edge's cursor unchanged, with the same filter.";
const FOREIGN = 'This cursor was issued for a different filter; start again without a cursor.';

const DIGEST = 'AAAAAAAAAAA';
const expected = { filterDigest: DIGEST, streamCount: 2 };
const sample: ConnectionCursor = {
  filterDigest: DIGEST,
  edgeStream: 1,
  positions: [
    { kind: 'offset', offset: 25 },
    { kind: 'cursor', cursor: 'abc', skip: -2 },
  ],
  totals: [120, null],
};
const SAMPLE_WIRE = '1.WyJBQUFBQUFBQUFBQSIsMSxbMjUsWyJjIiwiYWJjIiwtMl1dLFsxMjAsbnVsbF1d';

/** A cursor whose payload is the given JSON text, spelled the way the gateway spells them. */
const wrap = (json: string) => `1.${Buffer.from(json, 'utf8').toString('base64url')}`;

function rejection(run: () => unknown): BadUserInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof BadUserInputError) return error;
    throw error;
  }
  throw new Error('expected a BadUserInputError');
}

describe('encodeCursor / decodeCursor', () => {
  it('has a stable wire format', () => {
    expect(encodeCursor(sample)).toBe(SAMPLE_WIRE);
    expect(decodeCursor(SAMPLE_WIRE, expected)).toEqual(sample);
  });

  it.each<[string, StreamPosition]>([
    ['offset', { kind: 'offset', offset: 0 }],
    ['start', { kind: 'start', skip: 3 }],
    ['end', { kind: 'end', back: 0 }],
    ['cursor, positive skip', { kind: 'cursor', cursor: 'eyJpZCI6MTIzfQ==', skip: 4 }],
    ['cursor, negative skip', { kind: 'cursor', cursor: 'c', skip: -100 }],
  ])('round-trips a %s position', (_name, position) => {
    const cursor: ConnectionCursor = {
      filterDigest: DIGEST,
      edgeStream: 0,
      positions: [position],
      totals: [7],
    };
    expect(decodeCursor(encodeCursor(cursor), { filterDigest: DIGEST, streamCount: 1 })).toEqual(cursor);
  });

  it('stays small', () => {
    const twoStreams = encodeCursor({
      filterDigest: digestOf(['ALTUR', 'AURALYTIK']),
      edgeStream: 1,
      positions: [
        { kind: 'offset', offset: 1250 },
        { kind: 'offset', offset: 980 },
      ],
      totals: [4000, 3500],
    });
    expect(twoStreams.length).toBe(56);
    const alturCursor = (index: number) =>
      `eyJpZCI6ImNhbXBfMDAwMDAwMDAwMDAwMDAwMC${index.toString().padStart(2, '0')}`;
    const twelveUpstreamCursors = encodeCursor({
      filterDigest: DIGEST,
      edgeStream: 11,
      positions: Array.from({ length: 12 }, (_, index) => ({
        kind: 'cursor' as const,
        cursor: alturCursor(index),
        skip: index % 3,
      })),
      totals: Array.from({ length: 12 }, () => 1234),
    });
    expect(alturCursor(0)).toHaveLength(40);
    expect(twelveUpstreamCursors.length).toBe(928);
  });

  it.each<[string, string, { filterDigest: string; streamCount: number }]>([
    ['an empty string', '', expected],
    ['no version prefix', SAMPLE_WIRE.slice(2), expected],
    ['another version', `2.${SAMPLE_WIRE.slice(2)}`, expected],
    ['characters outside base64url', `${SAMPLE_WIRE}*`, expected],
    ['standard base64 padding', `${SAMPLE_WIRE}==`, expected],
    ['a base64 length no bytes can have', `${SAMPLE_WIRE}A`, expected],
    ['a non-canonical last character', `${SAMPLE_WIRE.slice(0, -1)}e`, expected],
    ['bytes that are not UTF-8', `1.${Buffer.from([0xff, 0xfe, 0x5b]).toString('base64url')}`, expected],
    ['text that is not JSON', wrap('[1,2'), expected],
    ['JSON of the wrong shape', wrap('{"digest":"AAAAAAAAAAA"}'), expected],
    ['too few elements', wrap('["AAAAAAAAAAA",0,[1,2]]'), expected],
    ['too many elements', wrap('["AAAAAAAAAAA",0,[1,2],[null,null],1]'), expected],
    ['a malformed digest', wrap('["AAAA",0,[1,2],[null,null]]'), { filterDigest: 'AAAA', streamCount: 2 }],
    ['fewer positions than streams', wrap('["AAAAAAAAAAA",0,[1],[null,null]]'), expected],
    ['more totals than streams', wrap('["AAAAAAAAAAA",0,[1,2],[null,null,null]]'), expected],
    ['an edge stream out of range', wrap('["AAAAAAAAAAA",2,[1,2],[null,null]]'), expected],
    ['a negative edge stream', wrap('["AAAAAAAAAAA",-1,[1,2],[null,null]]'), expected],
    ['a negative offset', wrap('["AAAAAAAAAAA",0,[-1,2],[null,null]]'), expected],
    ['a fractional offset', wrap('["AAAAAAAAAAA",0,[1.5,2],[null,null]]'), expected],
    ['an offset beyond safe integers', wrap('["AAAAAAAAAAA",0,[1e300,2],[null,null]]'), expected],
    ['a negative start skip', wrap('["AAAAAAAAAAA",0,[["s",-1],2],[null,null]]'), expected],
    ['a negative end back', wrap('["AAAAAAAAAAA",0,[["e",-1],2],[null,null]]'), expected],
    ['a fractional cursor skip', wrap('["AAAAAAAAAAA",0,[["c","x",0.5],2],[null,null]]'), expected],
    ['an empty upstream cursor', wrap('["AAAAAAAAAAA",0,[["c","",0],2],[null,null]]'), expected],
    ['an unknown position kind', wrap('["AAAAAAAAAAA",0,[["x",1],2],[null,null]]'), expected],
    ['a negative total', wrap('["AAAAAAAAAAA",0,[1,2],[-1,null]]'), expected],
    ['a string total', wrap('["AAAAAAAAAAA",0,[1,2],["1",null]]'), expected],
    [
      'an upstream cursor over 1024 characters',
      wrap(`["AAAAAAAAAAA",0,[["c","${'x'.repeat(1025)}",0],2],[null,null]]`),
      expected,
    ],
    ['a stream count mismatch', SAMPLE_WIRE, { filterDigest: DIGEST, streamCount: 3 }],
    ['over 4096 characters', `1.${'A'.repeat(4095)}`, expected],
  ])('refuses %s', (_name, raw, expectation) => {
    const error = rejection(() => decodeCursor(raw, expectation));
    expect(error.message).toBe(INVALID);
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it('accepts an upstream cursor of exactly 1024 characters', () => {
    const cursor: ConnectionCursor = {
      filterDigest: DIGEST,
      edgeStream: 0,
      positions: [{ kind: 'cursor', cursor: 'x'.repeat(1024), skip: 0 }],
      totals: [null],
    };
    expect(decodeCursor(encodeCursor(cursor), { filterDigest: DIGEST, streamCount: 1 })).toEqual(cursor);
  });

  it('says so when the cursor belongs to another filter', () => {
    const error = rejection(() => decodeCursor(SAMPLE_WIRE, { filterDigest: 'BBBBBBBBBBB', streamCount: 2 }));
    expect(error.message).toBe(FOREIGN);
  });
});

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

describe('advancePosition / retreatPosition', () => {
  it.each<[StreamPosition, number, StreamPosition]>([
    [{ kind: 'offset', offset: 10 }, 3, { kind: 'offset', offset: 7 }],
    [{ kind: 'start', skip: 1 }, 1, { kind: 'start', skip: 0 }],
    [{ kind: 'end', back: 0 }, 2, { kind: 'end', back: 2 }],
    [{ kind: 'cursor', cursor: 'c', skip: 1 }, 3, { kind: 'cursor', cursor: 'c', skip: -2 }],
  ])('retreats %o by %i', (position, by, retreated) => {
    expect(retreatPosition(position, by)).toEqual(retreated);
    expect(advancePosition(retreated, by)).toEqual(position);
  });

  it('advancing undoes retreating', () => {
    fc.assert(
      fc.property(positionArbitrary, fc.integer({ min: 0, max: 100 }), (position, by) => {
        expect(advancePosition(retreatPosition(position, by), by)).toEqual(position);
        expect(retreatPosition(advancePosition(position, by), by)).toEqual(position);
      }),
    );
  });
});

const positionArbitrary: fc.Arbitrary<StreamPosition> = fc.oneof(
  fc.record({ kind: fc.constant('offset' as const), offset: fc.nat() }),
  fc.record({ kind: fc.constant('start' as const), skip: fc.nat() }),
  fc.record({ kind: fc.constant('end' as const), back: fc.nat() }),
  fc.record({
    kind: fc.constant('cursor' as const),
    cursor: fc.string({ minLength: 1, maxLength: 60, unit: 'binary' }),
    skip: fc.integer({ min: -100, max: 100 }),
  }),
);

const digestArbitrary = fc.string({
  minLength: 11,
  maxLength: 11,
  unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
});

const cursorArbitrary: fc.Arbitrary<ConnectionCursor> = fc.integer({ min: 1, max: 12 }).chain((streamCount) =>
  fc.record({
    filterDigest: digestArbitrary,
    edgeStream: fc.integer({ min: 0, max: streamCount - 1 }),
    positions: fc.array(positionArbitrary, { minLength: streamCount, maxLength: streamCount }),
    totals: fc.array(fc.option(fc.nat(), { nil: null }), { minLength: streamCount, maxLength: streamCount }),
  }),
);

/** Throws if decoding fails in any way other than a BadUserInputError. */
function decodeOrNull(raw: string, expectation: { filterDigest: string; streamCount: number }) {
  try {
    return decodeCursor(raw, expectation);
  } catch (error) {
    if (error instanceof BadUserInputError) return null;
    throw error;
  }
}

/** Whatever decodes must be a cursor the gateway could have issued, and must survive a round trip. */
function expectSound(decoded: ConnectionCursor, expectation: { filterDigest: string; streamCount: number }) {
  expect(decoded.filterDigest).toBe(expectation.filterDigest);
  expect(decoded.positions).toHaveLength(expectation.streamCount);
  expect(decoded.totals).toHaveLength(expectation.streamCount);
  expect(decoded.edgeStream).toBeLessThan(expectation.streamCount);
  expect(decodeCursor(encodeCursor(decoded), expectation)).toEqual(decoded);
}

describe('cursor properties', () => {
  it('round-trips any cursor', () => {
    fc.assert(
      fc.property(cursorArbitrary, (cursor) => {
        const raw = encodeCursor(cursor);
        expect(raw).toMatch(/^1\.[A-Za-z0-9_-]+$/);
        const expectation = { filterDigest: cursor.filterDigest, streamCount: cursor.positions.length };
        expect(decodeCursor(raw, expectation)).toEqual(cursor);
      }),
    );
  });

  it('answers any string with a BadUserInputError or a sound cursor', () => {
    const raw = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ maxLength: 200, unit: 'binary' }),
      fc.string({ maxLength: 5000 }).map((text) => `1.${text}`),
      fc.base64String({ maxLength: 300 }).map((text) => `1.${text}`),
      fc.jsonValue().map((value) => wrap(JSON.stringify(value))),
    );
    fc.assert(
      fc.property(raw, fc.integer({ min: 0, max: 3 }), (text, streamCount) => {
        const expectation = { filterDigest: DIGEST, streamCount };
        const decoded = decodeOrNull(text, expectation);
        if (decoded !== null) expectSound(decoded, expectation);
      }),
    );
  });

  it('answers a valid payload with one value swapped for another with a BadUserInputError or a sound cursor', () => {
    const replacement = fc.oneof(
      fc.integer({ min: -2, max: 3 }),
      fc.double(),
      fc.constantFrom('s', 'e', 'c', 'x', '', null, [], {}, ['s'], ['c', 'x'], ['e', 1, 2]),
      fc.string({ maxLength: 4 }),
    );
    const path = fc.array(fc.nat({ max: 12 }), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(cursorArbitrary, path, replacement, (cursor, where, value) => {
        const wire: unknown = JSON.parse(
          Buffer.from(encodeCursor(cursor).slice(2), 'base64url').toString('utf8'),
        );
        const expectation = { filterDigest: cursor.filterDigest, streamCount: cursor.positions.length };
        const decoded = decodeOrNull(wrap(JSON.stringify(replaceAt(wire, where, value))), expectation);
        if (decoded !== null) expectSound(decoded, expectation);
      }),
    );
  });

  it('answers any edit of a valid cursor with a BadUserInputError or a sound cursor', () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
      fc.record({
        kind: fc.constant('replace' as const),
        at: fc.nat(),
        text: fc.string({ minLength: 1, maxLength: 3 }),
      }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        text: fc.string({ minLength: 1, maxLength: 3 }),
      }),
    );
    fc.assert(
      fc.property(cursorArbitrary, fc.array(edit, { minLength: 1, maxLength: 3 }), (cursor, edits) => {
        let raw = encodeCursor(cursor);
        for (const change of edits) {
          const at = change.at % (raw.length + 1);
          if (change.kind === 'truncate') raw = raw.slice(0, at);
          if (change.kind === 'delete') raw = raw.slice(0, at) + raw.slice(at + 1);
          if (change.kind === 'replace')
            raw = raw.slice(0, at) + change.text + raw.slice(at + change.text.length);
          if (change.kind === 'insert') raw = raw.slice(0, at) + change.text + raw.slice(at);
        }
        const expectation = { filterDigest: cursor.filterDigest, streamCount: cursor.positions.length };
        const decoded = decodeOrNull(raw, expectation);
        if (decoded !== null) expectSound(decoded, expectation);
      }),
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
