import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { failureFromThrown } from './classify.js';
import type { DeferredMember } from './deferredMembers.js';
import { parseJsonFast } from './jsonBody.js';
import { ScratchBuffer } from './scratchBuffer.js';
import { TransportError } from './transportFailure.js';

/** What one GET answered: the status, the headers, and the whole body as undici's chunks. */
export interface WholeResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: BodyChunks;
}

export interface WholeGet {
  origin: string;
  path: string;
  headers: Record<string, string>;
  /** Refused past this size: by the declared length before a byte is read, else while reading. */
  maxBytes: number;
  /** The whole attempt's bound, headers and body together. */
  timeoutMs: number;
  /** Told the status once the headers arrive, before the body is read. */
  onStatus: (statusCode: number) => void;
}

/** What AbortSignal.timeout aborts with, which is what an attempt that ran out of time reported before. */
const TIMED_OUT = new DOMException('The operation was aborted due to timeout', 'TimeoutError');

/**
 * One GET through undici's handler API (what its `request` is built on), the body collected as it arrives,
 * so a provider cannot make the gateway buffer more than `maxBytes`. `request` wraps every response in a
 * Readable stream, read here whole anyway, and bounds an attempt with an AbortSignal that undici listens on:
 * together about a tenth of a one-provider request's CPU outside the parse (BENCHMARKS.md, *What was done*).
 * Our own bound fails as a `timeout`, the size bound as `body_too_large`; undici's errors come as thrown.
 */
export function getWhole(dispatcher: Dispatcher, get: WholeGet): Promise<WholeResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let statusCode = 0;
    let headers: IncomingHttpHeaders = {};
    let controller: Dispatcher.DispatchController | undefined;
    let stopped = false;
    let stoppedBy: Error | undefined;
    const stop = (reason: Error) => {
      if (stopped) return;
      stopped = true;
      stoppedBy = reason;
      clearTimeout(timer);
      reject(reason);
      // Queued for a connection, it is told as soon as it starts.
      controller?.abort(reason);
    };
    const timer = setTimeout(
      () => stop(new TransportError(failureFromThrown(TIMED_OUT, true, get.timeoutMs))),
      get.timeoutMs,
    ).unref();
    const tooLarge = () =>
      new TransportError({ kind: 'body_too_large', retryable: false, maxBytes: get.maxBytes });
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        if (stoppedBy !== undefined) started.abort(stoppedBy);
      },
      onResponseStart(_started, status, received) {
        // undici hands interim answers (100 Continue, 103 Early Hints) here too; the answer comes after them.
        if (status < 200) return;
        statusCode = status;
        headers = received;
        get.onStatus(status);
        const declared = Number(received['content-length']);
        if (Number.isFinite(declared) && declared > get.maxBytes) stop(tooLarge());
      },
      onResponseData(_started, chunk) {
        if (stopped) return;
        size += chunk.length;
        if (size > get.maxBytes) stop(tooLarge());
        else chunks.push(chunk);
      },
      onResponseEnd() {
        if (stopped) return;
        stopped = true;
        clearTimeout(timer);
        resolve({ statusCode, headers, body: { chunks, size } });
      },
      onResponseError(_started, error) {
        stop(error);
      },
    };
    try {
      dispatcher.dispatch(
        { origin: get.origin, path: get.path, method: 'GET', headers: get.headers },
        handler,
      );
    } catch (error) {
      // undici's own report a refusal through the handler; one that throws instead must still clear the bound.
      stop(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

export interface BodyChunks {
  chunks: Buffer[];
  size: number;
}

const joined = new ScratchBuffer(256 * 1024);

/**
 * The body's bytes for a reader that is done with them before it next awaits (a parse): joined in one buffer
 * that every body reuses (`ScratchBuffer`). Use `ownedBytes` for bytes that must be kept.
 */
export function transientBytes({ chunks, size }: BodyChunks): Buffer {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  const scratch = joined.take(size);
  if (scratch === undefined) return Buffer.concat(chunks, size);
  let at = 0;
  for (const chunk of chunks) at += chunk.copy(scratch, at);
  return scratch;
}

/** The body's bytes in a buffer of their own. */
export function ownedBytes({ chunks, size }: BodyChunks): Buffer {
  return Buffer.concat(chunks, size);
}

/** An upstream body as JSON; `deferredMember` names a member whose values may be left unparsed until read. */
export function parseJsonBody(bytes: Buffer, deferredMember?: DeferredMember): unknown {
  const fast = parseJsonFast(bytes, undefined, deferredMember);
  if (fast !== null) return fast.value;
  const text = bytes.toString('utf8');
  if (text.trim() === '') throw new TransportError({ kind: 'bad_body', retryable: false, body: 'empty' });
  try {
    return JSON.parse(text);
  } catch {
    throw new TransportError({ kind: 'bad_body', retryable: false, body: 'not_json' });
  }
}
