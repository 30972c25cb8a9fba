import type { Dispatcher } from 'undici';
import { parseJsonFast } from './jsonBody.js';
import { TransportError } from './transportFailure.js';

/**
 * The whole body as undici's chunks, refused as soon as it is known to exceed `maxBytes`: by its declared
 * length before a byte is read, else while reading, so a provider cannot make the gateway buffer more than that.
 */
export async function readBody(response: Dispatcher.ResponseData, maxBytes: number): Promise<BodyChunks> {
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
  return { chunks, size };
}

export interface BodyChunks {
  chunks: Buffer[];
  size: number;
}

/** Bodies up to this size are joined in one buffer kept for the purpose; larger ones get their own. */
const SCRATCH_MAX_BYTES = 4 * 1024 * 1024;
let scratch = Buffer.allocUnsafeSlow(256 * 1024);

/**
 * The body's bytes for a reader that is done with them before it next awaits (a parse): joined in one buffer
 * that every body reuses, instead of a new buffer per body. A new buffer outlives its request when the request
 * waits long enough to be promoted, and its memory then stays mapped until a full collection (50-60 MB of
 * array buffers under ten connections in the bench). Use `ownedBytes` for bytes that must be kept.
 */
export function transientBytes({ chunks, size }: BodyChunks): Buffer {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  if (size > SCRATCH_MAX_BYTES) return Buffer.concat(chunks, size);
  if (scratch.length < size)
    scratch = Buffer.allocUnsafeSlow(Math.min(SCRATCH_MAX_BYTES, 2 ** Math.ceil(Math.log2(size))));
  let at = 0;
  for (const chunk of chunks) at += chunk.copy(scratch, at);
  return scratch.subarray(0, size);
}

/** The body's bytes in a buffer of their own. */
export function ownedBytes({ chunks, size }: BodyChunks): Buffer {
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
