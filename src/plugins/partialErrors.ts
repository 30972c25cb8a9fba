import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../context.js';

/**
 * Adds the errors a request collected without failing a field (a provider down, an item skipped), and says
 * which providers' data came from the cache past its freshness because the provider failed or its quota was
 * spent (`extensions.staleData`). A response cache placed after it sees those errors and leaves the result out.
 */
export function usePartialErrors(): Plugin<GatewayContext> {
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          const { partialErrors, staleData } = args.contextValue;
          if ((partialErrors.length === 0 && staleData.size === 0) || isAsyncIterable(result)) return;
          setResult({
            ...result,
            ...(partialErrors.length === 0 ? {} : { errors: [...(result.errors ?? []), ...partialErrors] }),
            ...(staleData.size === 0
              ? {}
              : {
                  extensions: {
                    ...result.extensions,
                    staleData: [...staleData].map(([provider, ageMs]) => ({
                      provider,
                      ageSeconds: Math.round(ageMs / 100) / 10,
                    })),
                  },
                }),
          });
        },
      };
    },
  };
}
