import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';

/** Who is asking, as useClientAccess established it. */
export interface ClientIdentity {
  /** `key:<digest prefix>`, `jwt:<sub>` or `addr:<address>`. Never the key or the token itself. */
  readonly client: string;
  /** A digest of the API key (or of the JWT's subject), null when the request did not authenticate. */
  readonly credential: string | null;
}

/** What the gateway learns about one GraphQL request as it passes the plugins; read by logs, metrics and caches. */
export interface RequestInfo {
  /** The caller's x-request-id when it is safe to log and forward, else a new one. */
  readonly id: string;
  readonly startedAt: number;
  /** Null until useClientAccess has identified the client. */
  readonly identity: ClientIdentity | null;
  readonly operationName: string | null;
  /** The codes of every error the request answered with, refusals before parsing included. */
  readonly errorCodes: readonly string[];
}

export interface RequestInfoOptions {
  /**
   * Requests to this path are recorded; any other (health probes, metrics, webhooks) gets no id, no log line
   * and no latency sample.
   * @default '/graphql'
   */
  graphqlEndpoint?: string;
}

export const DEFAULT_GRAPHQL_ENDPOINT = '/graphql';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

interface Entry {
  id: string;
  startedAt: number;
  identity: ClientIdentity | null;
  operationName: string | null;
  errorCodes: string[];
}

/** The one store of request info; only this module writes it, through the functions below. */
const records = new WeakMap<Request, Entry>();

/**
 * Records each GraphQL request before any plugin sees it. It does so in yoga's `request` instrumentation,
 * which wraps every plugin's `onRequest` and `onResponse`, so where it stands in the plugin list does not
 * matter, and what other plugins read and write here never depends on their order. Code that reads the info
 * of a request this plugin never recorded throws rather than log or count nothing.
 */
export function useRequestInfo(options: RequestInfoOptions = {}): Plugin {
  const endpoint = options.graphqlEndpoint ?? DEFAULT_GRAPHQL_ENDPOINT;
  return {
    instrumentation: {
      request({ request }, wrapped) {
        if (pathnameOf(request) === endpoint) records.set(request, newEntry(request));
        return wrapped();
      },
    },
  };
}

/**
 * The request's path. @whatwg-node's request keeps the URL it parses (`parsedUrl`) for yoga's plugins, which
 * read it after this: reading it here too makes one parse a request instead of two.
 */
function pathnameOf(request: Request): string {
  const parsed = (request as Request & { parsedUrl?: unknown }).parsedUrl;
  return parsed instanceof URL ? parsed.pathname : new URL(request.url).pathname;
}

function newEntry(request: Request): Entry {
  const incoming = request.headers.get('x-request-id');
  return {
    id: incoming !== null && REQUEST_ID.test(incoming) ? incoming : randomUUID(),
    startedAt: performance.now(),
    identity: null,
    operationName: null,
    errorCodes: [],
  };
}

function recorded(request: Request): Entry {
  const record = records.get(request);
  if (record === undefined) {
    throw new Error(
      'No request info for this request: it is not a GraphQL request, or useRequestInfo is not installed',
    );
  }
  return record;
}

/** For code that only runs on GraphQL requests (context, execution, client access). */
export function requestInfo(request: Request): RequestInfo {
  return recorded(request);
}

/** For code that serves any path: undefined for a request that is not a GraphQL one. */
export function trackedRequestInfo(request: Request): RequestInfo | undefined {
  return records.get(request);
}

/** useClientAccess's verdict, once per request. */
export function identifyClient(request: Request, identity: ClientIdentity): void {
  recorded(request).identity = identity;
}

/**
 * Who is asking; throws before useClientAccess has identified the client, so a reader that ran too early
 * (in an `onRequest` ahead of it) fails instead of counting every client as one.
 */
export function clientIdentity(request: Request): ClientIdentity {
  const { identity } = recorded(request);
  if (identity === null) throw new Error('The client is read before useClientAccess identified it');
  return identity;
}

export function recordOperationName(request: Request, name: string): void {
  recorded(request).operationName = name;
}

/** A no-op for a request that is not a GraphQL one: refusals on other paths are not logged as requests. */
export function recordErrorCode(request: Request, code: string): void {
  records.get(request)?.errorCodes.push(code);
}
