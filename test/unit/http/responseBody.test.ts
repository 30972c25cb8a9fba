import { describe, expect, it } from 'vitest';
import { parseJsonBody } from '../../../src/http/responseBody.js';
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
