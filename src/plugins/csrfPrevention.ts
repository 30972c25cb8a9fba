import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import type { Plugin } from 'graphql-yoga';
import { CsrfPreventedError } from '../errors.js';

export interface CsrfPreventionOptions {
  /**
   * A request carrying any of these headers was preflighted by the browser, so it is let through.
   * @default DEFAULT_CSRF_HEADERS
   */
  requestHeaders?: readonly string[];
}

/**
 * yoga's own two, Apollo's (so Apollo clients work unchanged), and `authorization`: a request that carries
 * it was preflighted by any browser.
 */
export const DEFAULT_CSRF_HEADERS: readonly string[] = [
  'x-graphql-csrf',
  'x-graphql-yoga-csrf',
  'apollo-require-preflight',
  'authorization',
];

/** yoga's CSRF plugin, with its refusal turned into an error with a code and advice. */
export function useCsrfPrevention(options: CsrfPreventionOptions = {}): Plugin {
  const csrf = useCSRFPrevention({ requestHeaders: [...(options.requestHeaders ?? DEFAULT_CSRF_HEADERS)] });
  return {
    onRequestParse(payload) {
      try {
        return csrf.onRequestParse?.(payload);
      } catch {
        throw new CsrfPreventedError();
      }
    },
  };
}
