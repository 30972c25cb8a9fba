// About 400 lines on purpose: the deferral and the validating skip it rests on are one argument (a value is
// left out only when JSON.parse would have read it), and apart they would read as a JSON parser without it.
import { ScratchBuffer } from './scratchBuffer.js';

/**
 * One member of an upstream document left unparsed until it is read. A provider can name a member that is
 * large and rarely selected: a list item's weekly schedule is 40 % of a page of 100 campaigns. The member's
 * values are found in the body's bytes with `indexOf` and checked by a validating skip. Their bytes are
 * gathered in a buffer of their own, and the rest of the body is copied with a placeholder where each value
 * was. The copy is then read as every body is (`parseJsonFast`), without the values' objects, and is shorter
 * by the values: the escape and the parse that follow scan 40 % fewer bytes. BENCHMARKS.md, *What was
 * done*, has the figures.
 *
 * The placeholder is the value's ordinal followed by one space, so it delimits itself. A bare digit
 * could join with what follows an invalid value (`[].5` would become `0.5`) and make invalid text valid.
 * With the space, the copy parses only if the body does, and then to the same document, each deferred value
 * aside.
 *
 * `deferredValuesOf(body)` says whether a body was read this way. Without it, every value is the one sent.
 */

const DEFERRED = Symbol('deferred values');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const SPACE = 0x20;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
/** Deeper values are not skipped (the body is parsed whole). */
const MAX_SKIP_DEPTH = 64;
/** Members that JSON spells only one way without `\u` escapes (no quote, backslash or slash). */
const PLAIN_MEMBER = /^[A-Za-z0-9_]+$/;

/**
 * A member a provider's bodies are read with deferred, made once with its transport: its name is checked and
 * its key's bytes built there, not for every body.
 */
export class DeferredMember {
  readonly name: string;
  /** `"name"`, as the body's bytes spell the key. */
  readonly needle: Buffer;
  /**
   * Where the search for the key starts in `needle`: at its rarest letter in English text, which is what a
   * body's strings mostly hold, not at its quote. Every string of a body starts with a quote, and
   * `indexOf`'s first-character scan stops at each: for the 100 keys of the bench's 108 KB list page,
   * 56 µs searching `"scheduling"` against 15 for `g"`.
   */
  readonly searchFrom: number;
  /** `needle` from `searchFrom` on. */
  readonly searched: Buffer;

  constructor(name: string) {
    if (!PLAIN_MEMBER.test(name)) throw new RangeError(`a deferred member is letters, digits and _: ${name}`);
    this.name = name;
    this.needle = Buffer.from(`"${name}"`, 'latin1');
    this.searchFrom = 1 + rarestLetterAt(name);
    this.searched = this.needle.subarray(this.searchFrom);
  }
}

/** Letters from the most to the least frequent in English text. */
const LETTERS_BY_FREQUENCY = 'etaoinshrdlcumwfgypbvkjxqz';

/** The index of the name's rarest letter (digits and `_` left out), or -1 for a name without one. */
function rarestLetterAt(name: string): number {
  let rarest = -1;
  let rarestRank = -1;
  for (let index = 0; index < name.length; index++) {
    const rank = LETTERS_BY_FREQUENCY.indexOf(name.charAt(index).toLowerCase());
    if (rank > rarestRank) {
      rarest = index;
      rarestRank = rank;
    }
  }
  return rarest;
}

/** The index of the next `"name"` at or after `from`, as a key or not, or -1. */
function nextNeedle(bytes: Buffer, member: DeferredMember, from: number): number {
  const { needle, searchFrom, searched } = member;
  for (let found = bytes.indexOf(searched, from + searchFrom); found >= 0; ) {
    const at = found - searchFrom;
    let matched = 0;
    while (matched < searchFrom && bytes[at + matched] === needle[matched]) matched++;
    if (matched === searchFrom) return at;
    found = bytes.indexOf(searched, found + 1);
  }
  return -1;
}
const ESCAPED_UNICODE = Buffer.from('\\u00', 'latin1');

/**
 * The values of one member in one body, as bytes, parsed only when a reader asks for one. Its fields are
 * private (`#`), so that logging or inspecting a campaign does not print its page's bytes.
 */
export class DeferredValues {
  readonly member: string;
  /**
   * Every value's bytes, one after another, in a buffer of their own: outside the heap, so that values no
   * reader asks for cost the collector nothing (as a string, 44 KB of a page's garbage).
   */
  readonly #bytes: Buffer;
  /** Where each value lies in `#bytes`, start and end in pairs, by ordinal. */
  readonly #bounds: readonly number[];

  constructor(member: string, bytes: Buffer, bounds: readonly number[]) {
    this.member = member;
    this.#bytes = bytes;
    this.#bounds = bounds;
  }

  /** Whether `value`, read at the member's key, is one of this body's placeholders. */
  isPlaceholder(value: unknown): value is number {
    return (
      typeof value === 'number' && Number.isInteger(value) && value >= 0 && 2 * value < this.#bounds.length
    );
  }

  /** The value a placeholder stands for, to be parsed and read by `read` when someone needs it. */
  later<T>(placeholder: number, read: (value: unknown) => T): DeferredJson<T> {
    return new DeferredJson(this, placeholder, read);
  }

  /** The value a placeholder stands for, parsed now. */
  parse(placeholder: number): unknown {
    const start = this.#bounds[2 * placeholder];
    const end = this.#bounds[2 * placeholder + 1];
    if (start === undefined || end === undefined) throw new RangeError(`no deferred value ${placeholder}`);
    return JSON.parse(this.#bytes.toString('utf8', start, end));
  }
}

/**
 * One deferred value, held by whatever was mapped from its body, with what reads it. It serialises as what it
 * reads to, so that JSON of a mapped object is the same whether its body was read with deferred values or
 * whole (the poller compares campaigns by their JSON).
 */
export class DeferredJson<T> {
  readonly #values: DeferredValues;
  readonly #placeholder: number;
  readonly #read: (value: unknown) => T;

  constructor(values: DeferredValues, placeholder: number, read: (value: unknown) => T) {
    this.#values = values;
    this.#placeholder = placeholder;
    this.#read = read;
  }

  value(): T {
    return this.#read(this.#values.parse(this.#placeholder));
  }

  toJSON(): T {
    return this.value();
  }
}

/** The deferred values of a body read with them; undefined for a body parsed whole. */
export function deferredValuesOf(body: unknown): DeferredValues | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  return (body as { [DEFERRED]?: DeferredValues })[DEFERRED];
}

/** A body as JSON text, each deferred value written back in its placeholder's place. */
export function stringifyBody(body: unknown): string | undefined {
  const deferred = deferredValuesOf(body);
  return JSON.stringify(deferred === undefined ? body : restored(body, deferred));
}

/**
 * The body with each placeholder replaced by its value. A walk, not a JSON.stringify replacer: a replacer
 * also visits the values it returns, and a value's own nested member (never deferred) would be read as a
 * placeholder.
 */
function restored(value: unknown, deferred: DeferredValues): unknown {
  if (Array.isArray(value)) return value.map((item) => restored(item, deferred));
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    const restoredMember =
      key === deferred.member && deferred.isPlaceholder(member)
        ? deferred.parse(member)
        : restored(member, deferred);
    // defineProperty, not assignment: a `__proto__` key from JSON is an own property, as JSON.parse made it.
    Object.defineProperty(copy, key, {
      value: restoredMember,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

/** Marks a parsed body with the values its copy left out; false when the body cannot carry them. */
export function markDeferred(body: unknown, values: DeferredValues): boolean {
  if (typeof body !== 'object' || body === null || !Object.isExtensible(body)) return false;
  // A symbol-keyed slot, not a WeakMap: the scavenger keeps a WeakMap's values alive while their keys are
  // young (see memoByBody in src/providers/listMapping.ts).
  Object.defineProperty(body, DEFERRED, { value: values });
  return true;
}

/** The body's copy with placeholders, read before the next body; its own, since the body may be in another. */
const copies = new ScratchBuffer(0);

/**
 * The body's bytes with each value of `member` replaced by its placeholder, and the values; null when there
 * is nothing to defer or it cannot be done safely. The bytes are valid UTF-8 (the caller checked),
 * and the copy is valid for as long as the caller does not call this again.
 */
export function deferMember(
  bytes: Buffer,
  member: DeferredMember,
): { bytes: Buffer; values: DeferredValues } | null {
  const first = nextNeedle(bytes, member, 0);
  if (first < 0 || spellsAsciiWithEscapes(bytes)) return null;
  const bounds: number[] = [];
  let from = 0;
  for (let at = first; at >= 0; at = nextNeedle(bytes, member, from)) {
    from = at + member.needle.length;
    // An escaped quote is inside a string; a string not followed by a colon is a value, not a key. In a
    // body that parses, anything else found is the member's key (a quote inside a string is escaped).
    if (escapedAt(bytes, at)) continue;
    const colon = skipWhitespace(bytes, from);
    if (bytes[colon] !== COLON) continue;
    const start = skipWhitespace(bytes, colon + 1);
    const end = skipJsonValue(bytes, start);
    if (end < 0) return null;
    bounds.push(start, end);
    from = end;
  }
  if (bounds.length === 0) return null;
  const [gathered, offsets] = gatheredValues(bytes, bounds);
  let copyLength = bytes.length - gathered.length;
  for (let ordinal = 0; 2 * ordinal < bounds.length; ordinal++) copyLength += placeholder(ordinal).length;
  const copy = copies.take(copyLength) ?? Buffer.allocUnsafeSlow(copyLength);
  let copied = 0;
  let kept = 0;
  for (let index = 0; index < bounds.length; index += 2) {
    copied += bytes.copy(copy, copied, kept, bounds[index]);
    copied += copy.write(placeholder(index / 2), copied, 'latin1');
    kept = bounds[index + 1] as number;
  }
  bytes.copy(copy, copied, kept);
  return { bytes: copy, values: new DeferredValues(member.name, gathered, offsets) };
}

function placeholder(ordinal: number): string {
  return `${ordinal} `;
}

/** The values' bytes gathered in one buffer of their own, and where each lies in it. */
function gatheredValues(bytes: Buffer, bounds: readonly number[]): [Buffer, number[]] {
  let size = 0;
  for (let index = 0; index < bounds.length; index += 2)
    size += (bounds[index + 1] as number) - (bounds[index] as number);
  const gathered = Buffer.allocUnsafeSlow(size);
  const offsets: number[] = [];
  let at = 0;
  for (let index = 0; index < bounds.length; index += 2) {
    offsets.push(at);
    at += bytes.copy(gathered, at, bounds[index], bounds[index + 1]);
    offsets.push(at);
  }
  return [gathered, offsets];
}

/**
 * Whether the body spells an ASCII character as `\u00XX`. A key spelled that way could name the member
 * without `indexOf` finding it, and its value could look like a placeholder.
 */
function spellsAsciiWithEscapes(bytes: Buffer): boolean {
  for (let at = bytes.indexOf(ESCAPED_UNICODE); at >= 0; at = bytes.indexOf(ESCAPED_UNICODE, at + 1)) {
    const digit = bytes[at + 4];
    // \u0020-\u007f; \u0000-\u001f are control characters, which no plain member name holds.
    if (digit !== undefined && digit >= 0x32 && digit <= 0x37) return true;
  }
  return false;
}

/** Whether the byte at `index` is escaped by the backslashes before it (an odd number of them). */
export function escapedAt(bytes: Buffer, index: number): boolean {
  let backslashes = 0;
  for (let at = index - 1; at >= 0 && bytes[at] === BACKSLASH; at--) backslashes++;
  return backslashes % 2 === 1;
}

function skipWhitespace(bytes: Buffer, at: number): number {
  let position = at;
  for (;;) {
    const code = bytes[position];
    if (code !== SPACE && code !== 0x0a && code !== 0x0d && code !== 0x09) return position;
    position++;
  }
}

/** The skip's stack: 1 for an object, 0 for an array, one entry per open container. */
const openContainers = new Uint8Array(MAX_SKIP_DEPTH);

/** What the skip reads next (plain numbers: an enum's lookups cost in this loop). */
const VALUE = 0;
const AFTER_VALUE = 1;
const KEY = 2;
const COLON_NEXT = 3;

function isWhitespace(code: number | undefined): boolean {
  return code === SPACE || code === 0x0a || code === 0x0d || code === 0x09;
}

/**
 * The index just past the JSON value at `at`, or -1 when no value starts there. It accepts only what
 * JSON.parse accepts of valid UTF-8, so a skipped value is never one the whole parse would have refused.
 * A loop over a stack of open containers rather than a recursion: 64 against 108 µs for a page's schedules.
 * The stack is one array for every call (a value is skipped whole before the next starts): an array a call
 * was 22 KB of garbage a page.
 */
export function skipJsonValue(bytes: Buffer, at: number): number {
  let depth = 0;
  let position = at;
  let expect: number = VALUE;
  for (;;) {
    if (expect === AFTER_VALUE && depth === 0) return position;
    let code = bytes[position];
    while (isWhitespace(code)) code = bytes[++position];
    if (expect === VALUE) {
      if (code === OPEN_BRACE || code === OPEN_BRACKET) {
        const isObject = code === OPEN_BRACE;
        let next = bytes[++position];
        while (isWhitespace(next)) next = bytes[++position];
        if (next === (isObject ? CLOSE_BRACE : CLOSE_BRACKET)) {
          position++;
          expect = AFTER_VALUE;
        } else {
          if (depth >= MAX_SKIP_DEPTH) return -1;
          openContainers[depth++] = isObject ? 1 : 0;
          expect = isObject ? KEY : VALUE;
        }
        continue;
      }
      position = skipScalar(bytes, position, code);
      if (position < 0) return -1;
      expect = AFTER_VALUE;
    } else if (expect === AFTER_VALUE) {
      const inObject = openContainers[depth - 1] === 1;
      if (code === COMMA) {
        position++;
        expect = inObject ? KEY : VALUE;
      } else if (code === (inObject ? CLOSE_BRACE : CLOSE_BRACKET)) {
        position++;
        depth--;
      } else {
        return -1;
      }
    } else if (expect === KEY) {
      if (code !== QUOTE) return -1;
      position = skipString(bytes, position);
      if (position < 0) return -1;
      expect = COLON_NEXT;
    } else {
      if (code !== COLON) return -1;
      position++;
      expect = VALUE;
    }
  }
}

/** A string, number, true, false or null at `at` (its first byte `code`): the index past it, or -1. */
function skipScalar(bytes: Buffer, at: number, code: number | undefined): number {
  if (code === QUOTE) return skipString(bytes, at);
  if (code === 0x74)
    return bytes[at + 1] === 0x72 && bytes[at + 2] === 0x75 && bytes[at + 3] === 0x65 ? at + 4 : -1;
  if (code === 0x66) {
    const alse =
      bytes[at + 1] === 0x61 && bytes[at + 2] === 0x6c && bytes[at + 3] === 0x73 && bytes[at + 4] === 0x65;
    return alse ? at + 5 : -1;
  }
  if (code === 0x6e)
    return bytes[at + 1] === 0x75 && bytes[at + 2] === 0x6c && bytes[at + 3] === 0x6c ? at + 4 : -1;
  return skipNumber(bytes, at);
}

function isHexDigit(code: number | undefined): boolean {
  if (code === undefined) return false;
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

function isSimpleEscape(code: number | undefined): boolean {
  // " \ / b f n r t
  return (
    code === QUOTE ||
    code === BACKSLASH ||
    code === 0x2f ||
    code === 0x62 ||
    code === 0x66 ||
    code === 0x6e ||
    code === 0x72 ||
    code === 0x74
  );
}

function skipString(bytes: Buffer, at: number): number {
  const end = bytes.length;
  let position = at + 1;
  while (position < end) {
    const code = bytes[position] as number;
    if (code === QUOTE) return position + 1;
    // A control character; the bytes of UTF-8 sequences are string content.
    if (code < SPACE) return -1;
    if (code !== BACKSLASH) {
      position++;
      continue;
    }
    const escaped = bytes[position + 1];
    if (escaped === 0x75) {
      for (let digit = 2; digit < 6; digit++) if (!isHexDigit(bytes[position + digit])) return -1;
      position += 6;
    } else if (isSimpleEscape(escaped)) {
      position += 2;
    } else {
      return -1;
    }
  }
  return -1;
}

function isDigit(code: number | undefined): boolean {
  return code !== undefined && code >= 0x30 && code <= 0x39;
}

function skipDigits(bytes: Buffer, at: number): number {
  let position = at;
  while (isDigit(bytes[position])) position++;
  return position === at ? -1 : position;
}

function skipNumber(bytes: Buffer, at: number): number {
  let position = bytes[at] === 0x2d ? at + 1 : at;
  const first = bytes[position];
  if (first === 0x30) position++;
  else if (isDigit(first)) position = skipDigits(bytes, position);
  else return -1;
  if (bytes[position] === 0x2e) {
    position = skipDigits(bytes, position + 1);
    if (position < 0) return -1;
  }
  const exponent = bytes[position];
  if (exponent !== 0x65 && exponent !== 0x45) return position;
  position++;
  const sign = bytes[position];
  return skipDigits(bytes, sign === 0x2b || sign === 0x2d ? position + 1 : position);
}
