import type { GraphQLError } from 'graphql';
import { recordErrorCode } from '../plugins/requestInfo.js';

/**
 * The response for a request refused before yoga parses it (auth, rate limit, size), shaped like any GraphQL
 * error response, with the error's HTTP status and headers. The code is recorded for the logs and metrics of a GraphQL request.
 */
export function rejectRequest(request: Request, error: GraphQLError): Response {
  const http = error.extensions.http as { status?: number; headers?: Record<string, string> } | undefined;
  const { http: _transportOnly, ...extensions } = error.extensions;
  if (typeof extensions.code === 'string') recordErrorCode(request, extensions.code);
  return Response.json(
    { errors: [{ message: error.message, extensions }] },
    { status: http?.status ?? 400, headers: http?.headers ?? {} },
  );
}
