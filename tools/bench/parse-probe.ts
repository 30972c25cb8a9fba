import { isAscii } from 'node:buffer';
import { isDeepStrictEqual } from 'node:util';
import { parseJsonBody } from '../../src/http/responseBody.js';
import { startSimulators } from '../simulators/index.js';

// A probe, not part of `npm run bench`: how much of an upstream page's parse is spent on a member that the
// headline selection never reads, and whether finding and skipping that member's values costs less than
// parsing them. `npx tsx tools/bench/parse-probe.ts [member] [rounds]` (default `scheduling`, 1 000).
//
// The page is the bench's: Altur's simulator, 100 campaigns (about 108 KB, 44 KB of it `scheduling`).
// Three timings a page, each over the same one-byte text the gateway parses (non-ASCII written as \uXXXX):
//   full      JSON.parse of the text, as the gateway parses today;
//   deferred  every `"member":` value found with indexOf, checked by a validating skip, replaced by a
//             placeholder, then JSON.parse of the rest (the placeholder would name the skipped slice);
//   without   JSON.parse of the page with the member left out: what a parse of only the rest costs.
// The deferred parse is checked against the full one (same document, the member's values aside).

const member = process.argv[2] ?? 'scheduling';
const rounds = Number(process.argv[3] ?? 1_000);

function skipWhitespace(text: string, at: number): number {
  let position = at;
  for (;;) {
    const code = text.charCodeAt(position);
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return position;
    position++;
  }
}

function isHexDigit(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

const SIMPLE_ESCAPES = new Set([34, 92, 47, 98, 102, 110, 114, 116]);

function skipString(text: string, at: number): number {
  let position = at + 1;
  for (;;) {
    const code = text.charCodeAt(position);
    if (code === 34) return position + 1;
    if (!(code >= 0x20)) return -1; // a control character, or the end of the text (NaN)
    if (code === 92) {
      const escaped = text.charCodeAt(position + 1);
      if (escaped === 117) {
        for (let digit = 2; digit < 6; digit++) if (!isHexDigit(text.charCodeAt(position + digit))) return -1;
        position += 6;
      } else if (SIMPLE_ESCAPES.has(escaped)) position += 2;
      else return -1;
    } else position++;
  }
}

function skipDigits(text: string, at: number): number {
  let position = at;
  for (let code = text.charCodeAt(position); code >= 48 && code <= 57; code = text.charCodeAt(position))
    position++;
  return position === at ? -1 : position;
}

function skipNumber(text: string, at: number): number {
  let position = text.charCodeAt(at) === 45 ? at + 1 : at;
  const first = text.charCodeAt(position);
  if (first === 48) position++;
  else if (first >= 49 && first <= 57) position = skipDigits(text, position);
  else return -1;
  if (text.charCodeAt(position) === 46) position = skipDigits(text, position + 1);
  if (position < 0) return -1;
  const exponent = text.charCodeAt(position);
  if (exponent !== 101 && exponent !== 69) return position;
  position++;
  const sign = text.charCodeAt(position);
  return skipDigits(text, sign === 43 || sign === 45 ? position + 1 : position);
}

/** The index after the JSON value at `at`, or -1 when there is none: it validates what JSON.parse would. */
function skipValue(text: string, at: number, depth = 0): number {
  const code = text.charCodeAt(at);
  if (code === 34) return skipString(text, at);
  if (code === 116) return text.startsWith('true', at) ? at + 4 : -1;
  if (code === 102) return text.startsWith('false', at) ? at + 5 : -1;
  if (code === 110) return text.startsWith('null', at) ? at + 4 : -1;
  if (code !== 123 && code !== 91) return skipNumber(text, at);
  if (depth > 32) return -1;
  const isObject = code === 123;
  const close = isObject ? 125 : 93;
  let position = skipWhitespace(text, at + 1);
  if (text.charCodeAt(position) === close) return position + 1;
  for (;;) {
    if (isObject) {
      if (text.charCodeAt(position) !== 34) return -1;
      position = skipString(text, position);
      if (position < 0) return -1;
      position = skipWhitespace(text, position);
      if (text.charCodeAt(position) !== 58) return -1;
      position = skipWhitespace(text, position + 1);
    }
    position = skipValue(text, position, depth + 1);
    if (position < 0) return -1;
    position = skipWhitespace(text, position);
    const next = text.charCodeAt(position);
    if (next === close) return position + 1;
    if (next !== 44) return -1;
    position = skipWhitespace(text, position + 1);
  }
}

function escapedAt(text: string, index: number): boolean {
  let backslashes = 0;
  for (let at = index - 1; at >= 0 && text.charCodeAt(at) === 92; at--) backslashes++;
  return backslashes % 2 === 1;
}

/** The text with each `"member":` value replaced by its ordinal and a space (self-delimiting); null: bail. */
function deferMember(text: string, name: string): { text: string; slices: [number, number][] } | null {
  const needle = `"${name}"`;
  const slices: [number, number][] = [];
  // Parts joined once: a string grown by `+=` is a rope, and JSON.parse of a rope of a few hundred parts was
  // several times slower in this probe than of the same text flat.
  const parts: string[] = [];
  let copiedTo = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) {
    if (escapedAt(text, at)) continue;
    const colon = skipWhitespace(text, at + needle.length);
    if (text.charCodeAt(colon) !== 58) continue;
    const start = skipWhitespace(text, colon + 1);
    const end = skipValue(text, start);
    if (end < 0) return null;
    parts.push(text.slice(copiedTo, start), `${slices.length} `);
    slices.push([start, end]);
    copiedTo = end;
    at = end - needle.length;
  }
  parts.push(text.slice(copiedTo));
  return { text: parts.join(''), slices };
}

/** The gateway's one-byte text of a body (`parseJsonFast`): Latin-1, each run of UTF-8 bytes as \uXXXX escapes. */
function oneByteText(bytes: Buffer): string {
  if (isAscii(bytes)) return bytes.toString('latin1');
  return bytes.toString('latin1').replace(/[\x80-\xff]+/g, (run) => {
    let escaped = '';
    for (const unit of Buffer.from(run, 'latin1').toString('utf8')) {
      for (let index = 0; index < unit.length; index++)
        escaped += `\\u${unit.charCodeAt(index).toString(16).padStart(4, '0')}`;
    }
    return escaped;
  });
}

function timePerCall(run: () => unknown): number {
  const started = process.hrtime.bigint();
  for (let round = 0; round < rounds; round++) run();
  return Number(process.hrtime.bigint() - started) / rounds / 1_000;
}

const simulators = await startSimulators({
  altur: { port: 0, count: 400, seed: 20_251_003 },
  auralytik: { port: 0, count: 10, seed: 1 },
});
const response = await fetch(`${simulators.altur.url}/campaigns?pageSize=100`, {
  headers: { authorization: `api-key ${simulators.altur.apiKey}` },
});
const bytes = Buffer.from(await response.arrayBuffer());
await simulators.close();

const text = oneByteText(bytes);
const full: unknown = JSON.parse(text);
const deferred = deferMember(text, member);
if (deferred === null) throw new Error(`the page's \`${member}\` values did not pass the validating skip`);
const restored: unknown = JSON.parse(deferred.text, function (this: Record<string, unknown>, key, value) {
  if (key !== member || typeof value !== 'number') return value;
  const slice = deferred.slices[value];
  return slice === undefined ? value : JSON.parse(text.slice(slice[0], slice[1]));
});
if (!isDeepStrictEqual(restored, full)) throw new Error('the deferred parse differs from the full one');
const without = JSON.stringify(full, (key, value: unknown) => (key === member ? undefined : value));
const memberBytes = deferred.slices.reduce((sum, [start, end]) => sum + end - start, 0);

console.log(
  `page: ${bytes.length} bytes, ${deferred.slices.length} \`${member}\` values of ${memberBytes} bytes; ${rounds} calls a timing`,
);
for (let pass = 1; pass <= 5; pass++) {
  const figures = {
    gatewayParse: timePerCall(() => parseJsonBody(bytes)),
    full: timePerCall(() => JSON.parse(text)),
    deferred: timePerCall(() => {
      const result = deferMember(text, member);
      return result === null ? null : JSON.parse(result.text);
    }),
    findAndSkipOnly: timePerCall(() => deferMember(text, member)),
    without: timePerCall(() => JSON.parse(without)),
  };
  const line = Object.entries(figures)
    .map(([name, micros]) => `${name} ${micros.toFixed(0)} µs`)
    .join(', ');
  console.log(`pass ${pass}: ${line}`);
}
