import type { IncomingMessage, Server } from 'node:http';
import { type ExecutionArgs, type ExecutionResult, GraphQLError, type GraphQLSchema, parse } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { z } from 'zod';
import type { App } from '../app.js';

export interface WebSocketOptions {
  /** @default /graphql */
  path?: string;
  /** ws-level pings to every socket. @default 12000 */
  keepAliveMs?: number;
}

/** What a client may send in `connection_init`; anything else there is ignored. */
const connectionParams = z
  .object({ Authorization: z.string().max(4096).optional(), authorization: z.string().max(4096).optional() })
  .catch({});

/** The upgrade's headers that describe the client, forwarded to every operation; transport headers are not. */
const FORWARDED = ['authorization', 'x-request-id', 'x-forwarded-for', 'user-agent', 'origin'];

interface OperationContext {
  request: IncomingMessage;
  authorization: string | undefined;
  payload: SubscribePayload;
}

/**
 * GraphQL over WebSocket (the graphql-ws protocol) on the HTTP server's `/graphql`. Each operation runs as an
 * in-process POST /graphql with `Accept: text/event-stream` through the same yoga app, so a WebSocket client
 * meets exactly what an SSE client meets: client keys (from `connection_init`'s `Authorization`, or the upgrade
 * request's header), the client rate limit, the operation limits, the subscription limit, masked errors.
 */
export function serveWebSockets(
  server: Server,
  app: App,
  schema: GraphQLSchema,
  options: WebSocketOptions = {},
) {
  const path = options.path ?? '/graphql';
  const wss = new WebSocketServer({ server, path });
  const disposable = useServer<Record<string, unknown> | undefined, { context?: unknown }>(
    {
      onSubscribe: (ctx, _id, payload): ExecutionArgs | readonly GraphQLError[] => {
        let document: ReturnType<typeof parse>;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('The query could not be parsed.')];
        }
        const params = connectionParams.parse(ctx.connectionParams ?? {});
        const context: OperationContext = {
          request: ctx.extra.request,
          authorization: params.Authorization ?? params.authorization,
          payload,
        };
        // `schema` and `document` let graphql-ws tell a subscription from a query; the app does the rest.
        return {
          schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
          contextValue: context,
        };
      },
      execute: (args) => runThroughApp(app, path, args.contextValue as OperationContext),
      subscribe: (args) => runThroughApp(app, path, args.contextValue as OperationContext),
    },
    wss,
    options.keepAliveMs ?? 12_000,
  );
  return {
    async close() {
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

async function* runThroughApp(
  app: App,
  path: string,
  context: OperationContext,
): AsyncGenerator<ExecutionResult> {
  const headers = new Headers({ 'content-type': 'application/json', accept: 'text/event-stream' });
  for (const name of FORWARDED) {
    const value = context.request.headers[name];
    if (typeof value === 'string') headers.set(name, value);
  }
  if (context.authorization !== undefined) headers.set('authorization', context.authorization);
  const abort = new AbortController();
  try {
    const response = await app.handleRequest(
      new Request(`http://gateway${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(context.payload),
        signal: abort.signal,
      }),
      { req: context.request },
    );
    if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
      // Refused before execution (401, 429, 400): the body is an ordinary GraphQL error response.
      yield (await response.json()) as ExecutionResult;
      return;
    }
    if (response.body === null) return;
    yield* readSse(response.body);
  } finally {
    abort.abort();
  }
}

/** The `next` messages of an SSE stream, parsed; comments (pings) and `complete` end nothing but the stream. */
async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<ExecutionResult> {
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        const lines = message.split('\n');
        if (lines.includes('event: complete')) return;
        if (!lines.includes('event: next')) continue;
        const data = lines
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trimStart())
          .join('\n');
        yield JSON.parse(data) as ExecutionResult;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
