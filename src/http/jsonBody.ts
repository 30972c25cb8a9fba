import { isAscii, isUtf8 } from 'node:buffer';
import { type DeferredMember, deferMember, escapedAt, markDeferred } from './deferredMembers.js';
import { ScratchBuffer } from './scratchBuffer.js';

/**
 * Below this an upstream body is decoded the plain way, which is as fast there (a 308-byte body: 1.5 against
 * 1.8 µs). Above it the fast path wins: a 1.4 KB body 5.3 against 4.9 µs, a 27 KB provider page 95 against
 * 77. And from 32 KB on, decoding as UTF-8 gives a two-byte string as soon as one character lies outside
 * Latin-1 (an em dash, an emoji), and a two-byte string of more than 64 Ki characters is a V8 large object:
 * freshly mapped pages for every body (a 108 KB provider page cost 1.1-2.7 ms of page faults and copying on
 * the bench machine, about a fifth of the gateway's CPU under varied traffic).
 */
export const FAST_JSON_MIN_BYTES = 1024;

const BACKSLASH = 0x5c;
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** Any byte of a 32-bit word at or above 0x80. */
const HIGH_BITS = 0x80808080;
const NO_WORDS = new Uint32Array(0);

/** The text JSON.parse reads, written before the parse and read by it: one for every body. */
const escapedText = new ScratchBuffer(256 * 1024);

/** `\uXXXX` for one UTF-16 code unit, written at `at`; the index past it. */
function writeEscape(target: Buffer, at: number, unit: number): number {
  target[at] = BACKSLASH;
  target[at + 1] = 0x75;
  target[at + 2] = HEX_DIGITS[(unit >> 12) & 0xf] as number;
  target[at + 3] = HEX_DIGITS[(unit >> 8) & 0xf] as number;
  target[at + 4] = HEX_DIGITS[(unit >> 4) & 0xf] as number;
  target[at + 5] = HEX_DIGITS[unit & 0xf] as number;
  return at + 6;
}

/**
 * Valid UTF-8 JSON as one-byte text: ASCII copied, every other character written as its `\uXXXX` escape
 * (a pair of them above U+FFFF), in bytes and then read as Latin-1 once. Null for a non-ASCII character
 * right after an escaping backslash. The ASCII between characters, most of a body, is passed over a
 * 32-bit word at a time: a regular expression's replace over the text cost a string of the whole body more
 * and took longer (BENCHMARKS.md, *What was done*).
 */
function escapedNonAscii(bytes: Buffer): string | null {
  const length = bytes.length;
  // An escape is at most three times the bytes it stands for (two bytes as six).
  const text = escapedText.take(3 * length) ?? Buffer.allocUnsafe(3 * length);
  const head = (4 - (bytes.byteOffset & 3)) & 3;
  // A body without a whole aligned word gets no view: one there could start past the end of its memory.
  const words =
    length - head >= 4
      ? new Uint32Array(bytes.buffer, bytes.byteOffset + head, (length - head) >> 2)
      : NO_WORDS;
  let written = 0;
  let copiedTo = 0;
  let at = 0;
  while (at < length) {
    if (at >= head && ((at - head) & 3) === 0) {
      let word = (at - head) >> 2;
      while (word < words.length && ((words[word] as number) & HIGH_BITS) === 0) word++;
      at = head + 4 * word;
      if (at >= length) break;
    }
    const lead = bytes[at] as number;
    if (lead < 0x80) {
      at++;
      continue;
    }
    if (escapedAt(bytes, at)) return null;
    written += bytes.copy(text, written, copiedTo, at);
    let codePoint: number;
    if (lead < 0xe0) {
      codePoint = ((lead & 0x1f) << 6) | ((bytes[at + 1] as number) & 0x3f);
      at += 2;
    } else if (lead < 0xf0) {
      codePoint =
        ((lead & 0x0f) << 12) |
        (((bytes[at + 1] as number) & 0x3f) << 6) |
        ((bytes[at + 2] as number) & 0x3f);
      at += 3;
    } else {
      codePoint =
        ((lead & 0x07) << 18) |
        (((bytes[at + 1] as number) & 0x3f) << 12) |
        (((bytes[at + 2] as number) & 0x3f) << 6) |
        ((bytes[at + 3] as number) & 0x3f);
      at += 4;
    }
    if (codePoint > 0xffff) {
      const offset = codePoint - 0x10000;
      written = writeEscape(text, written, 0xd800 + (offset >> 10));
      written = writeEscape(text, written, 0xdc00 + (offset & 0x3ff));
    } else {
      written = writeEscape(text, written, codePoint);
    }
    copiedTo = at;
  }
  written += bytes.copy(text, written, copiedTo, length);
  return text.toString('latin1', 0, written);
}

/**
 * `JSON.parse(bytes.toString('utf8'))` without the large two-byte string: the bytes read as Latin-1 (one-byte),
 * every non-ASCII character written as its JSON `\uXXXX` escape, which JSON.parse reads back as the same
 * character. Null whenever that could differ from the reference, which the caller then runs: a small body,
 * bytes that are not valid UTF-8 (the reference substitutes U+FFFD), a non-ASCII character right after an
 * escaping backslash (invalid JSON that the escape would make valid), or text that does not parse (so that
 * every error comes from the reference, with its message). With `deferredMember`, that member's values are
 * left unparsed where they can be (`deferredMembers.ts`).
 */
export function parseJsonFast(
  bytes: Buffer,
  minBytes = FAST_JSON_MIN_BYTES,
  deferredMember?: DeferredMember,
): { value: unknown } | null {
  if (bytes.length < minBytes) return null;
  const ascii = isAscii(bytes);
  if (!ascii && !isUtf8(bytes)) return null;
  const deferred = deferredMember === undefined ? null : deferMember(bytes, deferredMember);
  const source = deferred === null ? bytes : deferred.bytes;
  try {
    // Inside the try: escapes make the text up to three times the body, which can pass V8's longest string
    // where the body's own UTF-8 text does not, and the reference then answers.
    const text =
      ascii || (deferred !== null && isAscii(source)) ? source.toString('latin1') : escapedNonAscii(source);
    if (text === null) return null;
    const value: unknown = JSON.parse(text);
    if (deferred !== null && !markDeferred(value, deferred.values)) return null;
    return { value };
  } catch {
    return null;
  }
}
