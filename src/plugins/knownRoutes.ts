import type { Plugin } from 'graphql-yoga';
import { NotFoundError } from '../errors.js';
import { rejectRequest } from '../security/reject.js';
import { DEFAULT_GRAPHQL_ENDPOINT } from './requestInfo.js';

export interface KnownRoutesOptions {
  /** Every path the gateway answers; any other is 404. */
  paths: readonly string[];
  /**
   * Named in the 404's message, so a client that mistyped the path learns the right one.
   * @default '/graphql'
   */
  graphqlEndpoint?: string;
}

/**
 * 404 for every path but the served ones. yoga also runs GraphQL for `/graphql/` and for any path ending in
 * `/graphql`; without this, such a path would reach execution past the checks that match the endpoint
 * exactly (client keys, rate limit, logs). A plugin that answers a path not in `paths` (webhook intake)
 * goes before it.
 */
export function useKnownRoutesOnly(options: KnownRoutesOptions): Plugin {
  const known = new Set(options.paths);
  const endpoint = options.graphqlEndpoint ?? DEFAULT_GRAPHQL_ENDPOINT;
  return {
    onRequest({ request, url, endResponse }) {
      if (!known.has(url.pathname)) endResponse(rejectRequest(request, new NotFoundError(endpoint)));
    },
  };
}
