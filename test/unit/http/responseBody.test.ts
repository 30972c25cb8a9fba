import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ownedBytes, parseJsonBody, transientBytes } from '../../../src/http/responseBody.js';
import { TransportError } from '../../../src/http/transportFailure.js';

function failureOf(text: string) {
  try {
    parseJsonBody(Buffer.from(text));
  } catch (error) {
    return error instanceof TransportError ? error.failure : error;
  }
  return undefined;
}

describe('parseJsonBody', () => {
  it.each([
    ['', 'empty'],
    ['  \n', 'empty'],
    ['{"a":', 'not_json'],
    ['<html>', 'not_json'],
  ])('%j is a bad body (%s)', (text, body) => {
    expect(failureOf(text)).toEqual({ kind: 'bad_body', retryable: false, body });
  });

  it('parses small and large documents alike', () => {
    expect(parseJsonBody(Buffer.from('{"a":[1,"é"]}'))).toEqual({ a: [1, 'é'] });
    const large = { items: Array.from({ length: 5000 }, (_, index) => ({ index, name: `—${index}` })) };
    expect(parseJsonBody(Buffer.from(JSON.stringify(large)))).toEqual(large);
  });
});

describe('transientBytes and ownedBytes', () => {
  const chunksOf = (text: string, size: number) => {
    const all = Buffer.from(text, 'utf8');
    const chunks: Buffer[] = [];
    for (let at = 0; at < all.length; at += size) chunks.push(all.subarray(at, at + size));
    return { chunks, size: all.length };
  };

  it('joins any chunking of a body into its bytes', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 3000 }),
        fc.integer({ min: 1, max: 700 }),
        (text, size) => {
          const body = chunksOf(text, size);
          expect(transientBytes(body).toString('utf8')).toBe(text);
          expect(ownedBytes(body).toString('utf8')).toBe(text);
        },
      ),
    );
  });

  it('reuses one buffer for transient bytes, so only owned bytes survive the next body', () => {
    const first = chunksOf('a'.repeat(5000), 1000);
    const owned = ownedBytes(first);
    const transient = transientBytes(first);
    transientBytes(chunksOf('b'.repeat(5000), 1000));
    expect(transient.toString('utf8')).toBe('b'.repeat(5000));
    expect(owned.toString('utf8')).toBe('a'.repeat(5000));
  });
});
