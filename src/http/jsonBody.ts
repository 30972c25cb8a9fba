import { isAscii, isUtf8 } from 'node:buffer';
import { type DeferredMember, deferMember, markDeferred } from './deferredMembers.js';

/**
 * Below this an upstream body is decoded the plain way: its string is small either way. Above it, decoding
 * as UTF-8 gives a two-byte string as soon as one character lies outside Latin-1 (an em dash, an emoji), and
 * a two-byte string of more than 64 Ki characters is a V8 large object: freshly mapped pages for every body
 * (a 108 KB provider page cost 1.1-2.7 ms of page faults and copying on the bench machine, about a fifth of the
 * gateway's CPU under varied traffic).
 */
export const FAST_JSON_MIN_BYTES = 32 * 1024;

const NON_ASCII_RUN = /[\x80-\xff]+/g;
const BACKSLASH = 92;

function hex4(unit: number): string {
  return unit.toString(16).padStart(4, '0');
}

/** JSON escapes for a run of UTF-8 bytes read as Latin-1 characters (one character per byte), already valid. */
function escapeUtf8Run(run: string): string {
  let out = '';
  for (let index = 0; index < run.length; ) {
    const lead = run.charCodeAt(index);
    let codePoint: number;
    if (lead < 0xe0) {
      codePoint = ((lead & 0x1f) << 6) | (run.charCodeAt(index + 1) & 0x3f);
      index += 2;
    } else if (lead < 0xf0) {
      codePoint =
        ((lead & 0x0f) << 12) |
        ((run.charCodeAt(index + 1) & 0x3f) << 6) |
        (run.charCodeAt(index + 2) & 0x3f);
      index += 3;
    } else {
      codePoint =
        ((lead & 0x07) << 18) |
        ((run.charCodeAt(index + 1) & 0x3f) << 12) |
        ((run.charCodeAt(index + 2) & 0x3f) << 6) |
        (run.charCodeAt(index + 3) & 0x3f);
      index += 4;
    }
    if (codePoint > 0xffff) {
      const offset = codePoint - 0x10000;
      out += `\\u${hex4(0xd800 + (offset >> 10))}\\u${hex4(0xdc00 + (offset & 0x3ff))}`;
    } else {
      out += `\\u${hex4(codePoint)}`;
    }
  }
  return out;
}

/** Runs memoised by `escapedRun`: a provider's text repeats a few accented letters, dashes and emoji. */
const ESCAPED_RUNS_MAX = 1024;
const ESCAPED_RUN_MAX_CHARS = 16;
const escapedRuns = new Map<string, string>();

/**
 * `escapeUtf8Run`, memoised for short runs. A 108 KB page holds about 300 runs of a dozen distinct ones, and
 * with a fresh escape for each the replace allocated 123 KB more a page (474 KB against 351).
 */
function escapedRun(run: string): string {
  let escaped = escapedRuns.get(run);
  if (escaped === undefined) {
    escaped = escapeUtf8Run(run);
    if (run.length <= ESCAPED_RUN_MAX_CHARS && escapedRuns.size < ESCAPED_RUNS_MAX)
      escapedRuns.set(run, escaped);
  }
  return escaped;
}

/** Whether the character at `index` is escaped by the backslashes before it (an odd number of them). */
function escapedAt(text: string, index: number): boolean {
  let backslashes = 0;
  for (let at = index - 1; at >= 0 && text.charCodeAt(at) === BACKSLASH; at--) backslashes++;
  return backslashes % 2 === 1;
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
  let text: string;
  if (ascii || (deferred !== null && isAscii(source))) {
    text = source.toString('latin1');
  } else {
    let escapedNonAscii = false;
    text = source.toString('latin1').replace(NON_ASCII_RUN, (run: string, offset: number, whole: string) => {
      if (escapedAt(whole, offset)) escapedNonAscii = true;
      return escapedRun(run);
    });
    if (escapedNonAscii) return null;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (deferred !== null && !markDeferred(value, deferred.values)) return null;
    return { value };
  } catch {
    return null;
  }
}
