import { type ExecutionResult, getOperationAST } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { recordErrorCode, recordOperationName, trackedRequestInfo } from '../plugins/requestInfo.js';
import type { Metrics } from './metrics.js';
import { tracer } from './tracing.js';

const MAX_LOGGED_OPERATION_NAME = 100;

/**
 * One JSON log line and one set of metrics per GraphQL request (those useRequestInfo records: a health probe
 * gets no log line or latency sample), and the request id echoed back so a client can quote it. The id is the
 * caller's x-request-id when it is safe to log, and it travels upstream too.
 */
export function useRequestTelemetry(options: { logger: Logger; metrics: Metrics | undefined }): Plugin {
  const { logger, metrics } = options;
  return {
    onExecute({ args }) {
      const name = getOperationAST(args.document, args.operationName)?.name?.value;
      if (name !== undefined) {
        recordOperationName(args.contextValue.request, name.slice(0, MAX_LOGGED_OPERATION_NAME));
      }
    },
    onResultProcess({ request, result }) {
      if (isAsyncIterable(result)) return;
      for (const single of Array.isArray(result) ? result : [result]) {
        for (const error of (single as ExecutionResult).errors ?? [])
          recordErrorCode(request, errorCode(error));
      }
    },
    onResponse({ request, response }) {
      const info = trackedRequestInfo(request);
      if (info === undefined) return;
      const durationMs = performance.now() - info.startedAt;
      response.headers.set('x-request-id', info.id);
      metrics?.request(response.status, durationMs, info.errorCodes);
      logger.info(
        {
          requestId: info.id,
          method: request.method,
          status: response.status,
          durationMs: Math.round(durationMs * 10) / 10,
          operationName: info.operationName,
          // A request answered before client access ran (a CORS preflight) has no identity.
          client: info.identity?.client ?? 'addr:unknown',
          ...(info.errorCodes.length > 0 ? { errors: [...new Set(info.errorCodes)] } : {}),
        },
        'graphql request',
      );
    },
  };
}

function errorCode(error: unknown): string {
  // graphql-jit's errors are GraphQLErrors without `extensions`: reading through one must not throw.
  const code = (error as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}

/** A span around each GraphQL operation, parent of its upstream calls; only installed when tracing is on. */
export function useOperationTracing(): Plugin {
  return {
    instrumentation: {
      operation: ({ request }, wrapped) =>
        tracer.startActiveSpan('graphql.operation', async (span) => {
          try {
            await wrapped();
          } finally {
            // Tracing never fails a request: an operation without info is only a span with fewer attributes.
            const info = trackedRequestInfo(request);
            if (info !== undefined) {
              if (info.operationName !== null)
                span.setAttribute('graphql.operation.name', info.operationName);
              span.setAttribute('gateway.request_id', info.id);
            }
            span.end();
          }
        }),
    },
  };
}
