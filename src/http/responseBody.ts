import type { Dispatcher } from 'undici';
import { parseJsonFast } from './jsonBody.js';
import { TransportError } from './transportFailure.js';

/**
 * The whole body, refused as soon as it is known to exceed `maxBytes`: by its declared length before a byte
 * is read, else while reading, so a provider cannot make the gateway buffer more than that.
 */
export async function readBody(response: Dispatcher.ResponseData, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => {
    response.body.destroy();
    return new TransportError({ kind: 'body_too_large', retryable: false, maxBytes });
  };
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}

export function parseJsonBody(bytes: Buffer): unknown {
  const fast = parseJsonFast(bytes);
  if (fast !== null) return fast.value;
  const text = bytes.toString('utf8');
  if (text.trim() === '') throw new TransportError({ kind: 'bad_body', retryable: false, body: 'empty' });
  try {
    return JSON.parse(text);
  } catch {
    throw new TransportError({ kind: 'bad_body', retryable: false, body: 'not_json' });
  }
}
