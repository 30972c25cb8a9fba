import { z } from 'zod';

/**
 * Log-only text, such as an undici error code or `status 418`. The character set leaves no room for a URL, a
 * query string or a header value, so a detail cannot carry an upstream address or a key even by mistake.
 */
export const failureDetail = z
  .string()
  .max(120)
  .regex(/^[\w .:-]*$/);

const base = { detail: failureDetail.optional() };

/**
 * Why one call to a provider failed, as plain data: the transport (retry, breaker, rate limits) decides on
 * `kind` and `retryable`, and one mapping at the provider boundary (`toUpstreamError`) turns it into what a
 * client reads. Waits are in ms rather than seconds because Retry-After dates and the shared limiter's waits
 * are sub-second, and the retry loop waits exactly that long; clients get whole seconds from the mapping.
 */
export const transportFailure = z.discriminatedUnion('kind', [
  z.object({
    ...base,
    kind: z.literal('timeout'),
    retryable: z.literal(true),
    timeoutMs: z.number().positive(),
  }),
  z.object({ ...base, kind: z.literal('network'), retryable: z.literal(true) }),
  z.object({
    ...base,
    kind: z.literal('server_error'),
    retryable: z.boolean(),
    status: z.number().int().min(500),
  }),
  z.object({
    ...base,
    kind: z.literal('unauthorized'),
    retryable: z.literal(false),
    status: z.union([z.literal(401), z.literal(403)]),
  }),
  z.object({
    ...base,
    kind: z.literal('rate_limited'),
    retryable: z.literal(true),
    status: z.literal(429),
    retryAfterMs: z.number().nonnegative().nullable(),
  }),
  /** Any other status the API does not answer with on a GET that works: the request itself is refused. */
  z.object({ ...base, kind: z.literal('refused'), retryable: z.literal(false), status: z.number().int() }),
  z.object({
    ...base,
    kind: z.literal('body_too_large'),
    retryable: z.literal(false),
    maxBytes: z.number().int().nonnegative(),
  }),
  z.object({
    ...base,
    kind: z.literal('bad_body'),
    retryable: z.literal(false),
    body: z.enum(['empty', 'not_json']),
  }),
  z.object({ ...base, kind: z.literal('open_circuit'), retryable: z.literal(false) }),
  /** The cluster-wide quota has no slot before the request's deadline; the provider was not called. */
  z.object({
    ...base,
    kind: z.literal('shared_rate_limited'),
    retryable: z.literal(false),
    retryAfterMs: z.number().nonnegative(),
  }),
]);

export type TransportFailure = z.infer<typeof transportFailure>;
export type TransportFailureKind = TransportFailure['kind'];

/**
 * What the transport throws. Not a GraphQLError, so were it ever to escape the provider boundary unmapped,
 * yoga would mask it rather than show it.
 */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly failure: TransportFailure;

  constructor(failure: TransportFailure) {
    super(failure.detail === undefined ? failure.kind : `${failure.kind}: ${failure.detail}`);
    this.failure = failure;
  }
}

/**
 * Failures that say the provider itself is unwell, the only ones that count toward opening its circuit: a
 * 429, a refused request or a bad body says nothing about its health, and an open circuit is the breaker's own.
 */
export function signalsOutage(failure: TransportFailure): boolean {
  return failure.kind === 'timeout' || failure.kind === 'network' || failure.kind === 'server_error';
}

/** The least a retry after this failure should wait: what the provider asked for, when it asked. */
export function retryHintMs(failure: TransportFailure): number {
  return failure.kind === 'rate_limited' ? (failure.retryAfterMs ?? 0) : 0;
}
