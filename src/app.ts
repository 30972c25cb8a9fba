import { createYoga, isAsyncIterable, type Plugin, useReadinessCheck } from 'graphql-yoga';
import type { Logger } from 'pino';
import { createContext, type GatewayContext } from './context.js';
import type { ProviderClient } from './providers/provider.js';
import { schema } from './schema/index.js';

export interface AppOptions {
  clients: readonly ProviderClient[];
  logger: Logger;
  /**
   * Serve GraphiQL on GET /graphql.
   * @default true
   */
  graphiql?: boolean;
  /**
   * No upstream attempt starts, and no retry waits, later than this after a request arrives.
   * @default 15000
   */
  requestDeadlineMs?: number;
  /** True once shutdown began: /readyz then answers 503 so the load balancer stops sending traffic. */
  isShuttingDown?: () => boolean;
  /** Preloaded in GraphiQL's editor. */
  exampleQuery?: string;
}

export const EXAMPLE_QUERY = `# The newest campaigns of every provider, one Relay connection.
query NewestCampaigns($after: String) {
  campaigns(first: 10, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id
        provider
        name
        status
        channel
        createdAt
        ... on AlturCampaign { agent { name } timezone archived }
        ... on AuralytikCampaign { type channelType startDate endDate }
      }
    }
  }
}
`;

/** The configured yoga instance; it never listens (main.ts does), so tests can call `app.fetch` in-process. */
export function createApp(options: AppOptions) {
  const { clients, logger } = options;
  return createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/healthz',
    landingPage: false,
    graphiql:
      options.graphiql === false
        ? false
        : { title: 'Campaign gateway', defaultQuery: options.exampleQuery ?? EXAMPLE_QUERY },
    // Never attach stacks or internal messages to a response, whatever NODE_ENV says.
    maskedErrors: { isDev: false },
    context: ({ request }) => createContext(clients, request, options.requestDeadlineMs ?? 15_000),
    logging: {
      debug: (...args) => logger.debug({ detail: args.map(String) }, 'yoga'),
      info: (...args) => logger.info({ detail: args.map(String) }, 'yoga'),
      warn: (...args) => logger.warn({ detail: args.map(String) }, 'yoga'),
      error: (...args) => logger.error({ detail: args.map(String) }, 'yoga'),
    },
    plugins: [
      usePartialErrors(),
      useReadinessCheck({
        endpoint: '/readyz',
        // A provider with an open circuit leaves the gateway ready: every replica sees the same provider,
        // and the other providers are still served.
        check: () => {
          const stopping = options.isShuttingDown?.() ?? false;
          const providers = Object.fromEntries(
            clients.map((client) => [client.provider, client.breakerState]),
          );
          return Response.json(
            { status: stopping ? 'shutting-down' : 'ready', providers },
            { status: stopping ? 503 : 200 },
          );
        },
      }),
    ],
  });
}

export type App = ReturnType<typeof createApp>;

/** Adds the errors a request collected without failing a field (a provider down, an item skipped). */
function usePartialErrors(): Plugin<GatewayContext> {
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          const partial = args.contextValue.partialErrors;
          if (partial.length === 0 || isAsyncIterable(result)) return;
          setResult({ ...result, errors: [...(result.errors ?? []), ...partial] });
        },
      };
    },
  };
}
