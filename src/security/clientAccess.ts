import { hash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ClientRateLimitedError, type GatewayError, UnauthenticatedError } from '../errors.js';
import { type ClientIdentity, identifyClient } from '../plugins/requestInfo.js';
import { createJwtVerifier, type JwtConfig, looksLikeJwt } from './jwt.js';
import { rejectRequest } from './reject.js';

export interface ClientAccessOptions {
  graphqlEndpoint: string;
  /** Empty, and no `jwt`: every client is let in, and told apart by address only. */
  apiKeys: readonly string[];
  /** Set: a bearer JWT from this issuer authenticates too (browser apps), beside the API keys. */
  jwt?: JwtConfig | undefined;
  /** Requests per second per client; 0 turns the limit off. */
  rateLimitPerSecond: number;
  /** Shared across replicas when set (Redis); a process-local limiter otherwise. */
  rateLimiter?: RateLimiterAbstract;
  trustProxy: boolean;
}

/** Longest `sub` kept as the client identity in logs and rate-limit keys. */
const MAX_SUBJECT_LENGTH = 128;

/**
 * Authenticates GraphQL requests by API key or by a JWT from the configured issuer, and limits each client's
 * request rate. Keys are compared as SHA-256 digests with `timingSafeEqual` against every configured key, so
 * neither a key's length nor its position in the list shows in the response time. A bearer credential that is
 * not a configured key and has the shape of a JWT is verified as one. Other paths (health, metrics) pass untouched.
 */
export function useClientAccess(options: ClientAccessOptions): Plugin {
  const keyDigests = options.apiKeys.map(sha256);
  const jwt = options.jwt === undefined ? null : createJwtVerifier(options.jwt);
  const required = keyDigests.length > 0 || jwt !== null;
  const limiter =
    options.rateLimitPerSecond === 0
      ? null
      : (options.rateLimiter ??
        new RateLimiterMemory({ keyPrefix: 'client', points: options.rateLimitPerSecond, duration: 1 }));

  return {
    async onRequest({ request, serverContext, url, endResponse }) {
      if (url.pathname !== options.graphqlEndpoint) return;
      const credential = bearerCredential(request.headers.get('authorization'));
      let identity: ClientIdentity | null = null;
      let refusal: GatewayError | null = null;
      const digest = credential === null ? null : sha256(credential);
      if (digest !== null && matchesAny(digest, keyDigests)) {
        const hex = digest.toString('hex');
        identity = { client: `key:${hex.slice(0, 16)}`, credential: hex };
      } else if (credential !== null && jwt !== null && looksLikeJwt(credential)) {
        const outcome = await jwt.verify(credential);
        if (outcome.ok) {
          identity = {
            client: `jwt:${outcome.subject.slice(0, MAX_SUBJECT_LENGTH)}`,
            // The subject, not the token, scopes the response cache: a token refreshed keeps its user's entries.
            credential: sha256(`jwt:${outcome.subject}`).toString('hex'),
          };
        } else {
          refusal = outcome.error;
        }
      }
      const authenticated = identity !== null;
      identity ??= {
        client: `addr:${clientAddress(request, serverContext, options.trustProxy)}`,
        credential: null,
      };
      identifyClient(request, identity);

      if (limiter !== null) {
        try {
          await limiter.consume(identity.client);
        } catch (rejection) {
          // Anything but a verdict (the shared store failing) must not turn clients away.
          if (rejection instanceof RateLimiterRes) {
            const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
            endResponse(rejectRequest(request, new ClientRateLimitedError(seconds)));
            return;
          }
        }
      }
      if (required && !authenticated) {
        endResponse(
          rejectRequest(
            request,
            refusal ??
              new UnauthenticatedError(
                credential === null
                  ? `This gateway needs ${jwt === null ? 'an API key' : 'an API key or a sign-in token'}. Send it as \`Authorization: Bearer <${jwt === null ? 'key' : 'key or token'}>\`.`
                  : `The ${jwt === null ? 'API key' : 'API key or token'} is not valid. Check the key your gateway operator gave you${jwt === null ? '' : ', or sign in again'}.`,
                { invalidToken: credential !== null },
              ),
          ),
        );
      }
    },
  };
}

/** One-shot `hash`: a `createHash` object a request was most of this plugin's cost (BENCHMARKS.md). */
function sha256(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

function bearerCredential(header: string | null): string | null {
  if (header === null) return null;
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? null;
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
