import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DeferredMember,
  deferredValuesOf,
  skipJsonValue,
  stringifyBody,
} from '../../../src/http/deferredMembers.js';
import { FAST_JSON_MIN_BYTES, parseJsonFast } from '../../../src/http/jsonBody.js';

const MEMBER = 'scheduling';
const DEFERRED = new DeferredMember(MEMBER);

/** The body as the transport reads it with the member deferred, whatever its size. */
function parseJsonDeferring(text: string): { value: unknown } | null {
  return parseJsonFast(Buffer.from(text, 'utf8'), 0, DEFERRED);
}

function skip(text: string): number {
  return skipJsonValue(Buffer.from(text, 'utf8'), 0);
}

/** The document a deferred parse stands for: every placeholder at the member's key parsed back. */
function restored(body: unknown): unknown {
  const deferred = deferredValuesOf(body);
  if (deferred === undefined) return body;
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, member]) => [
        key,
        key === MEMBER && deferred.isPlaceholder(member) ? deferred.parse(member) : walk(member),
      ]),
    );
  };
  return walk(body);
}

function referenceOf(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** A deferred parse stands for exactly what JSON.parse reads; it never accepts what JSON.parse refuses. */
function expectSameAsReference(text: string): ReturnType<typeof parseJsonDeferring> {
  const parsed = parseJsonDeferring(text);
  const reference = referenceOf(text);
  if (!reference.ok) {
    expect(parsed).toBeNull();
    return parsed;
  }
  if (parsed !== null) {
    expect(restored(parsed.value)).toStrictEqual(reference.value);
    expect(stringifyBody(parsed.value)).toBe(JSON.stringify(reference.value));
  }
  return parsed;
}

function expectParsedWhole(text: string): void {
  const parsed = expectSameAsReference(text);
  expect(parsed).not.toBeNull();
  expect(deferredValuesOf(parsed?.value)).toBeUndefined();
}

/** Any JSON value, with the member's key among the keys objects are likely to have. */
const documents = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 1 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(
        fc.constant(MEMBER),
        // Keys that end as the member does, where its search starts (`g"`), or hold it after a quote.
        fc.constantFrom('id', 'a"b', 'x\\', `re${MEMBER}`, 'g', 'ing', `"${MEMBER}`, `${MEMBER}"`),
        fc.string(),
      ),
      tie('value'),
      {
        maxKeys: 4,
      },
    ),
  ),
})).value;

const indent = fc.constantFrom(undefined, 0, 1, '\t', '\r\n');

describe('skipJsonValue', () => {
  it.each([
    ['1', 1],
    ['-0.5e+10,', 8],
    ['"a\\"b" x', 6],
    ['"\\u00e9"', 8],
    ['[1, {"a": [true, false, null]}] ', 31],
    ['{}', 2],
    ['[ ]', 3],
  ])('finds the end of %j at %i', (text, end) => {
    expect(skip(text)).toBe(end);
  });

  it.each([
    '',
    '-',
    '1.',
    '1e',
    '.5',
    '"\u0001"',
    '"\\x"',
    '"\\u12g4"',
    '"open',
    '[1,]',
    '{"a":1,}',
    '{"a" 1}',
    '{a:1}',
    'tru',
    'nul',
    '[1 2]',
    '{"a":1',
  ])('refuses %j', (text) => {
    expect(skip(text)).toBe(-1);
  });

  it('ends exactly where JSON.parse reads a whole value, for any value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), indent, (value, space) => {
        const text = JSON.stringify(value, null, space);
        expect(skip(text)).toBe(Buffer.byteLength(text));
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseJsonDeferring', () => {
  it('defers every value at the member key, at any depth, and stands for the same document', () => {
    const text = JSON.stringify({
      items: [
        { id: 1, scheduling: { mon: { active: true } } },
        { id: 2, scheduling: null, nested: { scheduling: [1, 'two'] } },
        { id: 3, scheduling: 700 },
      ],
    });
    const parsed = expectSameAsReference(text);
    expect(parsed).not.toBeNull();
    const body = parsed?.value as { items: { scheduling: unknown; nested?: { scheduling: unknown } }[] };
    const deferred = deferredValuesOf(body);
    expect(deferred?.member).toBe(MEMBER);
    expect(body.items.map((item) => item.scheduling)).toEqual([0, 1, 3]);
    expect(body.items[1]?.nested?.scheduling).toBe(2);
    expect(deferred?.parse(0)).toEqual({ mon: { active: true } });
    const later = deferred?.later(2, (value) => ({ read: value }));
    expect(later?.value()).toEqual({ read: [1, 'two'] });
    // It serialises as what it reads to.
    expect(JSON.stringify({ later })).toBe('{"later":{"read":[1,"two"]}}');
    expect(deferred?.isPlaceholder(3)).toBe(true);
    expect(deferred?.isPlaceholder(4)).toBe(false);
    expect(deferred?.isPlaceholder('0')).toBe(false);
  });

  it.each([
    ['no member at all', '{"id":1}'],
    ['the member only as a string value', '{"status":"scheduling","x":["scheduling"]}'],
    ['the member inside a key with an escaped quote', '{"a\\"scheduling":1}'],
    ['a key spelled with an escape of a letter', '{"scheduling":{},"sch\\u0065duling":0}'],
  ])('parses whole %s', (_what, text) => {
    expectParsedWhole(text);
  });

  it.each([
    ['a placeholder joining a following fraction', '{"scheduling":[].5}'],
    ['a placeholder joining a following exponent', '{"scheduling":{}e5}'],
    ['an invalid value', '{"scheduling":{"mon":tru}}'],
    ['a colon outside an object', '["scheduling":{}]'],
    ['a truncated body', '{"scheduling":{"mon":1}'],
  ])('never reads invalid text as valid: %s', (_what, text) => {
    expect(expectSameAsReference(text)).toBeNull();
  });

  it('defers values shorter than their placeholders, the copy being written apart from the body', () => {
    const text = JSON.stringify({
      a: Array.from({ length: 12 }, (_, index) => ({ scheduling: index % 3 ? 0 : {} })),
    });
    const parsed = expectSameAsReference(text);
    const deferred = deferredValuesOf(parsed?.value);
    expect(deferred).toBeDefined();
    expect(deferred?.parse(10)).toBe(0);
    expect(deferred?.parse(11)).toBe(0);
    expect(deferred?.parse(9)).toEqual({});
    expect(stringifyBody(parsed?.value)).toBe(text);
  });

  it('writes a deferred value back whole, its own nested member included', () => {
    const text = JSON.stringify({
      campaigns: [{ scheduling: { scheduling: 0 } }, { scheduling: { scheduling: 1, __proto__: 2 } }],
    }).replace('"scheduling":1,', '"scheduling":1,"__proto__":2,');
    const parsed = expectSameAsReference(text);
    expect(deferredValuesOf(parsed?.value)).toBeDefined();
    expect(stringifyBody(parsed?.value)).toBe(JSON.stringify(JSON.parse(text)));
  });

  it('searches for the key from its rarest letter, and finds only the whole key', () => {
    expect(DEFERRED.searched.toString('latin1')).toBe('g"');
    expect(new DeferredMember('_1').searched.toString('latin1')).toBe('"_1"');
    const text = '{"tag":"ing","rescheduling":{"a":1},"g":"gg","scheduling":{"b":2},"x":"scheduling"}';
    const parsed = expectSameAsReference(text);
    expect((parsed?.value as { scheduling?: unknown } | undefined)?.scheduling).toBe(0);
    expect(deferredValuesOf(parsed?.value)?.parse(0)).toEqual({ b: 2 });
    expect(deferredValuesOf(parsed?.value)?.isPlaceholder(1)).toBe(false);
  });

  it('takes only a member JSON can spell one way, when the member is made', () => {
    for (const name of ['a"b', 'a\\b', 'a/b', '', 'schéma'])
      expect(() => new DeferredMember(name)).toThrow(RangeError);
    expect(new DeferredMember('cycle_2').needle.toString('latin1')).toBe('"cycle_2"');
  });

  it('keeps the last of duplicate keys, as JSON.parse does', () => {
    const text = '{"scheduling":{"a":1}, "scheduling" :\n{"b":2}}';
    const parsed = expectSameAsReference(text);
    expect(deferredValuesOf(parsed?.value)?.parse(1)).toEqual({ b: 2 });
  });

  it('stands for what JSON.parse reads, for any document', () => {
    let deferred = 0;
    fc.assert(
      fc.property(documents, indent, (value, space) => {
        const parsed = expectSameAsReference(JSON.stringify(value, null, space));
        expect(parsed).not.toBeNull();
        if (deferredValuesOf(parsed?.value) !== undefined) deferred++;
      }),
      { numRuns: 1000 },
    );
    // Not a property of documents parsed whole: many of them have the member to defer.
    expect(deferred).toBeGreaterThan(100);
  });

  it('never accepts a document JSON.parse refuses, whatever is cut out or put in', () => {
    const damage = fc.constantFrom('', ',', ':', '"', '\\', '}', ']', '.5', 'e5', ' ', '0', '\u0001');
    fc.assert(
      fc.property(documents, fc.nat(), fc.nat({ max: 3 }), damage, (value, at, cut, insert) => {
        const text = JSON.stringify({ scheduling: value, rest: value });
        const index = at % (text.length + 1);
        expectSameAsReference(text.slice(0, index) + insert + text.slice(index + cut));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseJsonFast with a deferred member', () => {
  it('defers in a large body and answers as before without one', () => {
    const items = Array.from({ length: 400 }, (_, index) => ({
      id: index,
      name: `Campaña ${index} — ✓`,
      scheduling: { mon: { startTime: '08:30', endTime: '17:00', active: index % 2 === 0 } },
    }));
    const bytes = Buffer.from(JSON.stringify({ campaigns: items }), 'utf8');
    expect(bytes.length).toBeGreaterThan(FAST_JSON_MIN_BYTES);
    const deferred = parseJsonFast(bytes, undefined, DEFERRED);
    const whole = parseJsonFast(bytes);
    expect(deferredValuesOf(deferred?.value)).toBeDefined();
    expect(deferredValuesOf(whole?.value)).toBeUndefined();
    expect(restored(deferred?.value)).toStrictEqual(whole?.value);
  });
});
