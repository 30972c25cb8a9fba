import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FAST_JSON_MIN_BYTES, parseJsonFast } from '../../../src/http/jsonBody.js';

/** What the transport did before the fast path, and still does whenever the fast path declines. */
function reference(bytes: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(bytes.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

function expectSameAsReference(bytes: Buffer, mustTakeFastPath: boolean): void {
  const fast = parseJsonFast(bytes, 0);
  const expected = reference(bytes);
  if (!expected.ok) {
    expect(fast).toBeNull();
    return;
  }
  if (mustTakeFastPath) expect(fast).not.toBeNull();
  if (fast === null) return;
  expect(fast.value).toStrictEqual(expected.value);
  // Key order and the text of every string, as a response built from them would render.
  expect(JSON.stringify(fast.value)).toBe(JSON.stringify(expected.value));
}

const json = fc.jsonValue({ stringUnit: 'binary', maxDepth: 4 });
const indent = fc.constantFrom(undefined, 0, 2, '\t');

/** Byte sequences that break UTF-8, JSON, or the escaping (a non-ASCII character after a backslash). */
const trouble = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 4 }),
  fc
    .constantFrom(
      [0x80],
      [0xc3],
      [0xe2, 0x80],
      [0xed, 0xa0, 0x80],
      [0xc0, 0xaf],
      [0x5c, 0xc3, 0xa9],
      [0x5c, 0x5c, 0xc3, 0xa9],
      [0xef, 0xbb, 0xbf],
      [0xc2, 0xa0],
      [0xf0, 0x9f, 0x91, 0x8b],
    )
    .map((bytes) => Uint8Array.from(bytes)),
);

function insertAt(bytes: Buffer, at: number, insert: Uint8Array): Buffer {
  const index = at % (bytes.length + 1);
  return Buffer.concat([bytes.subarray(0, index), insert, bytes.subarray(index)]);
}

describe('parseJsonFast', () => {
  it('parses any JSON document exactly as JSON.parse of its UTF-8 text does', () => {
    fc.assert(
      fc.property(json, indent, (value, space) => {
        const bytes = Buffer.from(JSON.stringify(value, null, space), 'utf8');
        expectSameAsReference(bytes, true);
      }),
      { numRuns: 500 },
    );
  });

  it('declines (so the reference answers) or agrees, whatever bytes are inserted', () => {
    fc.assert(
      fc.property(
        json,
        fc.array(fc.tuple(fc.nat(), trouble), { minLength: 1, maxLength: 3 }),
        (value, inserts) => {
          let bytes: Buffer = Buffer.from(JSON.stringify(value), 'utf8');
          for (const [at, insert] of inserts) bytes = insertAt(bytes, at, insert);
          expectSameAsReference(bytes, false);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('agrees wherever the body lies in its memory, the ASCII between characters read a word at a time', () => {
    const asciiRun = fc.string({ unit: fc.constantFrom('a', ' ', '"', '\\', '0'), maxLength: 12 });
    const text = fc.array(fc.oneof(asciiRun, fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 12 });
    fc.assert(
      fc.property(fc.array(text.map((parts) => parts.join(''))), fc.nat({ max: 7 }), (strings, offset) => {
        const document = Buffer.from(JSON.stringify(strings), 'utf8');
        const memory = Buffer.alloc(document.length + offset + 8, 0xc3);
        document.copy(memory, offset);
        expectSameAsReference(memory.subarray(offset, offset + document.length), true);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads a body shorter than a word at the very end of its memory', () => {
    const memory = Buffer.allocUnsafeSlow(4);
    memory.write('"é"', 0, 'utf8');
    expect(parseJsonFast(memory.subarray(0, 4), 0)).toStrictEqual({ value: 'é' });
    // Two bytes at offset 1 of three: the first aligned word would start past the memory's end.
    const tail = Buffer.allocUnsafeSlow(3);
    tail.write('é', 1, 'utf8');
    expect(parseJsonFast(tail.subarray(1), 0)).toBeNull();
    const tailNonAscii = Buffer.allocUnsafeSlow(5);
    Buffer.from('"é"', 'utf8').copy(tailNonAscii, 1);
    expect(parseJsonFast(tailNonAscii.subarray(1), 0)).toStrictEqual({ value: 'é' });
  });

  it('reads characters outside the Basic Multilingual Plane and Latin-1 back as themselves', () => {
    const value = { name: 'Q4 NPS Survey — Barcelona ¿👋?', clé: ['ñ', 'é\u2028x', '\u00a0'] };
    const bytes = Buffer.from(JSON.stringify(value).padEnd(FAST_JSON_MIN_BYTES + 10, ' '), 'utf8');
    expect(parseJsonFast(bytes)).toStrictEqual({ value });
  });

  it('leaves small bodies, invalid UTF-8 and escaped non-ASCII to the reference', () => {
    expect(parseJsonFast(Buffer.from('{"a":"é"}'))).toBeNull();
    expect(parseJsonFast(Buffer.from([0x22, 0xff, 0x22]), 0)).toBeNull();
    // "\é" is not JSON; escaping the é would turn it into the valid "\\u00e9".
    expect(parseJsonFast(Buffer.from('"\\é"'), 0)).toBeNull();
    expect(parseJsonFast(Buffer.from('"\\\\é"'), 0)).toStrictEqual({ value: '\\é' });
    // Only Unicode spaces: the reference calls that an empty body, so its message must come from there.
    expect(parseJsonFast(Buffer.from('\u00a0\u00a0'), 0)).toBeNull();
  });
});
