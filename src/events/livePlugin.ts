import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { clientIdentity } from '../plugins/requestInfo.js';
import type { LiveEvents } from './live.js';

/** What the subscription resolvers read from a request's context. */
export interface LiveContext {
  events: LiveEvents;
  /** Who is subscribing (as useClientAccess named it): the unit of MAX_SUBSCRIPTIONS_PER_CLIENT. */
  client: string;
  /** An SSE reconnect's `Last-Event-ID`: where to resume when `after` is absent. */
  lastEventId: string | null;
  /** Aborted when the client goes away: ends its stream even while it waits for events. */
  signal: AbortSignal;
  /** The id of the event being delivered, read by the SSE writer and stamped into `extensions.eventId`. */
  delivered: string | null;
}

export interface LiveEventsPluginOptions {
  events: LiveEvents;
  /**
   * Comment lines written to an idle SSE stream, so proxies keep it open and a dead client is noticed.
   * @default 12000
   */
  keepAliveMs?: number;
}

/**
 * Serves `campaignEvents`: gives each request its LiveContext, stamps every subscription result with the id of
 * its event (`extensions.eventId`), and writes SSE with an `id:` line per event so EventSource's reconnect sends
 * `Last-Event-ID`. yoga's own SSE writer has no ids; this replaces it for streams only.
 */
export function useLiveEvents(options: LiveEventsPluginOptions): Plugin<{ live?: LiveContext }> {
  const keepAliveMs = options.keepAliveMs ?? 12_000;
  return {
    onContextBuilding({ context, extendContext }) {
      const { request } = context;
      extendContext({
        live: {
          events: options.events,
          client: clientIdentity(request).client,
          lastEventId: request.headers.get('last-event-id'),
          signal: request.signal,
          delivered: null,
        },
      });
    },
    onSubscribe() {
      return {
        onSubscribeResult({ args }) {
          return {
            onNext({ result, setResult }) {
              const live = (args.contextValue as { live?: LiveContext }).live;
              const eventId = live?.delivered ?? null;
              if (eventId === null || live === undefined) return;
              live.delivered = null;
              setResult({ ...result, extensions: { ...result.extensions, eventId } });
            },
          };
        },
      };
    },
    onResultProcess({ request, result, setResultProcessor }) {
      if (!isAsyncIterable(result)) return;
      if (!(request.headers.get('accept') ?? '').includes('text/event-stream')) return;
      setResultProcessor(
        (stream) => sseResponse(stream as AsyncIterable<ExecutionResult>, keepAliveMs),
        'text/event-stream',
      );
    },
  };
}

/** GraphQL over SSE (distinct connections): `event: next` per result with its `id:`, `event: complete` at the end. */
function sseResponse(results: AsyncIterable<ExecutionResult>, keepAliveMs: number): Response {
  const encoder = new TextEncoder();
  const iterator = results[Symbol.asyncIterator]();
  let ping: ReturnType<typeof setInterval> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // A first comment flushes the headers: some clients wait for a byte before reporting the stream open.
      controller.enqueue(encoder.encode(':\n\n'));
      ping = setInterval(() => controller.enqueue(encoder.encode(':\n\n')), keepAliveMs);
    },
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done === true) {
          clearInterval(ping);
          controller.enqueue(encoder.encode('event: complete\ndata:\n\n'));
          controller.close();
          return;
        }
        const eventId = next.value.extensions?.eventId;
        const idLine = typeof eventId === 'string' ? `id: ${eventId}\n` : '';
        controller.enqueue(encoder.encode(`${idLine}event: next\ndata: ${serialise(next.value)}\n\n`));
      } catch (error) {
        clearInterval(ping);
        controller.error(error);
      }
    },
    async cancel() {
      clearInterval(ping);
      await iterator.return?.();
    },
  });
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'content-encoding': 'none',
    },
  });
}

/** The result as JSON without the transport-only `extensions.http` of its errors. */
function serialise(result: ExecutionResult): string {
  return JSON.stringify(result, (key, value: unknown) => {
    if (key === 'extensions' && typeof value === 'object' && value !== null && 'http' in value) {
      const { http: _transportOnly, ...rest } = value as Record<string, unknown>;
      return rest;
    }
    return value;
  });
}
