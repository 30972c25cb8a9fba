import { randomUUID } from 'node:crypto';

/** What the gateway learns about one HTTP request as it passes the plugins; read by logs, metrics and caches. */
export interface RequestInfo {
  /** The caller's x-request-id when it is safe to log and forward, else a new one. */
  readonly id: string;
  readonly startedAt: number;
  /** Who is asking: `key:<digest prefix>` for an API key, `addr:<address>` otherwise. Never the key itself. */
  client: string;
  /** A digest of the API key the request authenticated with, null when it did not: the response cache's scope. */
  credential: string | null;
  operationName: string | null;
  errorCodes: string[];
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const infos = new WeakMap<Request, RequestInfo>();

/** The info of a request the gateway has started tracking, without starting to track it. */
export function trackedRequestInfo(request: Request): RequestInfo | undefined {
  return infos.get(request);
}

export function requestInfo(request: Request): RequestInfo {
  let info = infos.get(request);
  if (info === undefined) {
    const incoming = request.headers.get('x-request-id');
    info = {
      id: incoming !== null && REQUEST_ID.test(incoming) ? incoming : randomUUID(),
      startedAt: performance.now(),
      client: 'addr:unknown',
      credential: null,
      operationName: null,
      errorCodes: [],
    };
    infos.set(request, info);
  }
  return info;
}
