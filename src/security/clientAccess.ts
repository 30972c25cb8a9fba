import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ClientRateLimitedError, UnauthenticatedError } from '../errors.js';
import { requestInfo } from '../requestInfo.js';
import { rejectRequest } from './reject.js';

export interface ClientAccessOptions {
  graphqlEndpoint: string;
  /** Empty: every client is let in, and told apart by address only. */
  apiKeys: readonly string[];
  /** Requests per second per client; 0 turns the limit off. */
  rateLimitPerSecond: number;
  /** Shared across replicas when set (Redis); a process-local limiter otherwise. */
  rateLimiter?: RateLimiterAbstract;
  trustProxy: boolean;
}

/**
 * Authenticates GraphQL requests by API key and limits each client's request rate. Keys are compared as
 * SHA-256 digests with `timingSafeEqual` against every configured key, so neither a key's length nor its
 * position in the list shows in the response time. Other paths (health, metrics) pass untouched.
 */
export function useClientAccess(options: ClientAccessOptions): Plugin {
  const keyDigests = options.apiKeys.map(sha256);
  const limiter =
    options.rateLimitPerSecond === 0
      ? null
      : (options.rateLimiter ??
        new RateLimiterMemory({ keyPrefix: 'client', points: options.rateLimitPerSecond, duration: 1 }));

  return {
    async onRequest({ request, serverContext, url, endResponse }) {
      if (url.pathname !== options.graphqlEndpoint) return;
      const info = requestInfo(request);
      const digest = bearerDigest(request.headers.get('authorization'));
      const known = digest !== null && matchesAny(digest, keyDigests);
      if (known) {
        info.credential = digest.toString('hex');
        info.client = `key:${info.credential.slice(0, 16)}`;
      } else {
        info.client = `addr:${clientAddress(request, serverContext, options.trustProxy)}`;
      }

      if (limiter !== null) {
        try {
          await limiter.consume(info.client);
        } catch (rejection) {
          // Anything but a verdict (the shared store failing) must not turn clients away.
          if (rejection instanceof RateLimiterRes) {
            const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
            endResponse(rejectRequest(request, new ClientRateLimitedError(seconds)));
            return;
          }
        }
      }
      if (keyDigests.length > 0 && !known) {
        endResponse(
          rejectRequest(
            request,
            new UnauthenticatedError(
              digest === null
                ? 'This gateway needs an API key. Send it as `Authorization: Bearer <key>`.'
                : 'The API key is not valid. Check the key your gateway operator gave you.',
            ),
          ),
        );
      }
    },
  };
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function bearerDigest(header: string | null): Buffer | null {
  if (header === null) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] === undefined ? null : sha256(match[1]);
}

function matchesAny(digest: Buffer, keyDigests: readonly Buffer[]): boolean {
  let found = false;
  for (const keyDigest of keyDigests) {
    // No early exit: every key is compared whatever the outcome.
    found = timingSafeEqual(digest, keyDigest) || found;
  }
  return found;
}

function clientAddress(request: Request, serverContext: unknown, trustProxy: boolean): string {
  if (trustProxy) {
    // The right-most entry is the one our own load balancer appended; entries left of it are the client's
    // to invent, and would give it a fresh rate-limit bucket per request.
    const forwarded = request.headers.get('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded !== undefined && forwarded !== '') return forwarded;
  }
  const req = (serverContext as { req?: IncomingMessage } | undefined)?.req;
  return req?.socket.remoteAddress ?? 'unknown';
}
