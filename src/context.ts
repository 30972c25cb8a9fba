import type { GraphQLError } from 'graphql';
import type { Provider } from './domain/campaign.js';
import type { LiveContext } from './events/livePlugin.js';
import type { CursorCodec } from './pagination/cursor.js';
import { requestInfo } from './plugins/requestInfo.js';
import type { ProviderClient, ProviderSession } from './providers/provider.js';

/** Per GraphQL request: its own loaders (never shared across requests), its id, and its partial errors. */
export interface GatewayContext {
  requestId: string;
  sessions: ReadonlyMap<Provider, ProviderSession>;
  /** Signs and reads the connection's cursors. */
  cursors: CursorCodec;
  /** Errors that do not stop a field from resolving (a failed provider, a skipped item), added to `errors`. */
  partialErrors: GraphQLError[];
  reportPartial(error: GraphQLError): void;
  /** Providers whose answers came from the cache past their freshness, with the oldest age served (ms). */
  staleData: Map<Provider, number>;
  /** Set by useLiveEvents (src/events/livePlugin.ts): what `Subscription.campaignEvents` reads. */
  live?: LiveContext;
}

export function createContext(
  clients: readonly ProviderClient[],
  request: Request,
  deadlineMs: number,
  cursors: CursorCodec,
): GatewayContext {
  const requestId = requestInfo(request).id;
  const partialErrors: GraphQLError[] = [];
  const seen = new Set<string>();
  const reportPartial = (error: GraphQLError) => {
    const key = `${error.message}\u0000${error.path?.join('.') ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    partialErrors.push(error);
  };
  const staleData = new Map<Provider, number>();
  const scope = {
    signal: request.signal,
    requestId,
    deadline: Date.now() + deadlineMs,
    noteStale: (provider: Provider, ageMs: number) => {
      staleData.set(provider, Math.max(ageMs, staleData.get(provider) ?? 0));
    },
  };
  const sessions = new Map(clients.map((client) => [client.provider, client.openSession(scope)] as const));
  return { requestId, sessions, cursors, partialErrors, reportPartial, staleData };
}
