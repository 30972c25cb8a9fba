import { type ASTNode, GraphQLError } from 'graphql';
import type { Provider } from './domain/campaign.js';

export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'AUTH_UNAVAILABLE'
  | 'OPERATION_LIMIT_EXCEEDED'
  | 'RATE_LIMITED'
  | 'REQUEST_TOO_LARGE'
  | 'CSRF_PREVENTED'
  | 'NOT_FOUND'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_RATE_LIMITED'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'UPSTREAM_UNAUTHORIZED'
  | 'EVENTS_EXPIRED'
  | 'SLOW_CONSUMER'
  | 'TOO_MANY_SUBSCRIPTIONS'
  | 'BAD_WEBHOOK';

export type UpstreamErrorCode = Extract<ErrorCode, `UPSTREAM_${string}`>;

/**
 * Every error a client may see. It is a GraphQLError so that yoga's masking lets it through;
 * anything else is masked as an internal error. The message must be safe to show: no key,
 * no upstream URL, no stack. `detail` is for logs only and never serialised.
 */
export abstract class GatewayError extends GraphQLError {
  abstract readonly code: ErrorCode;
  readonly detail: string | undefined;

  constructor(
    message: string,
    extensions: Record<string, unknown>,
    detail?: string,
    nodes?: readonly ASTNode[],
  ) {
    super(message, nodes === undefined ? { extensions } : { extensions, nodes });
    this.detail = detail;
  }
}

export class BadUserInputError extends GatewayError {
  readonly code = 'BAD_USER_INPUT';
  /** `nodes` locate the error in the document (a variable definition, an argument). */
  constructor(message: string, extensions: Record<string, unknown> = {}, nodes?: readonly ASTNode[]) {
    super(message, { code: 'BAD_USER_INPUT', ...extensions }, undefined, nodes);
  }
}

/** The request as a whole cannot be run: which operation, or the shape of `variables`. */
export class BadRequestError extends GatewayError {
  readonly code = 'BAD_REQUEST';
  constructor(message: string) {
    super(message, { code: 'BAD_REQUEST', http: { status: 400 } });
  }
}

export class UnauthenticatedError extends GatewayError {
  readonly code = 'UNAUTHENTICATED';
  /** `invalidToken`: a token was sent and refused (RFC 6750 `error="invalid_token"`), not just missing. */
  constructor(message: string, options: { invalidToken?: boolean } = {}) {
    const challenge = options.invalidToken
      ? 'Bearer realm="campaign-gateway", error="invalid_token"'
      : 'Bearer realm="campaign-gateway"';
    super(message, {
      code: 'UNAUTHENTICATED',
      http: { status: 401, headers: { 'www-authenticate': challenge } },
    });
  }
}

/** The issuer's key set cannot be fetched, so no token can be checked; API keys are not affected. */
export class AuthUnavailableError extends GatewayError {
  readonly code = 'AUTH_UNAVAILABLE';
  constructor() {
    super(
      'The gateway cannot check sign-in tokens right now (the issuer key set is unreachable). Retry shortly.',
      { code: 'AUTH_UNAVAILABLE', http: { status: 503, headers: { 'retry-after': '5' } } },
    );
  }
}

/** The operation asks for more than the gateway serves in one request; checked before any upstream call. */
export class OperationLimitError extends GatewayError {
  readonly code = 'OPERATION_LIMIT_EXCEEDED';
  constructor(message: string) {
    super(message, { code: 'OPERATION_LIMIT_EXCEEDED', http: { status: 400 } });
  }
}

/** This client sent more requests than its share; `Retry-After` says when to try again. */
export class ClientRateLimitedError extends GatewayError {
  readonly code = 'RATE_LIMITED';
  constructor(retryAfterSeconds: number) {
    super(`Too many requests from this client. Retry in ${retryAfterSeconds} s.`, {
      code: 'RATE_LIMITED',
      retryAfterSeconds,
      http: { status: 429, headers: { 'retry-after': String(retryAfterSeconds) } },
    });
  }
}

export class RequestTooLargeError extends GatewayError {
  readonly code = 'REQUEST_TOO_LARGE';
  constructor(maxBytes: number | null) {
    const limit = maxBytes === null ? '' : ` (${maxBytes} bytes)`;
    super(
      `The request body is larger than the gateway accepts${limit}. Send a shorter query, or fewer variables.`,
      { code: 'REQUEST_TOO_LARGE', http: { status: 413 } },
    );
  }
}

/** A path the gateway does not serve. */
export class NotFoundError extends GatewayError {
  readonly code = 'NOT_FOUND';
  constructor(graphqlEndpoint: string) {
    super(`Not found. The GraphQL endpoint is ${graphqlEndpoint}.`, {
      code: 'NOT_FOUND',
      http: { status: 404 },
    });
  }
}

/** A browser could have sent this request cross-site without a preflight, so it is refused. */
export class CsrfPreventedError extends GatewayError {
  readonly code = 'CSRF_PREVENTED';
  constructor() {
    super(
      'This request could have come from another site. POST with Content-Type: application/json, ' +
        'or send an Authorization or x-graphql-csrf header.',
      { code: 'CSRF_PREVENTED', http: { status: 403 } },
    );
  }
}

/**
 * How messages name each provider (its module's label). The registry fills it when it loads, so that an error
 * can be built wherever a failure is found, knowing only the provider's id.
 */
const providerLabels = new Map<Provider, string>();

export function registerProviderLabel(provider: Provider, label: string): void {
  providerLabels.set(provider, label);
}

export function providerLabel(provider: Provider): string {
  return providerLabels.get(provider) ?? provider;
}

export abstract class UpstreamError extends GatewayError {
  abstract override readonly code: UpstreamErrorCode;
  readonly provider: Provider;

  constructor(
    code: UpstreamErrorCode,
    provider: Provider,
    message: string,
    detail?: string,
    extra: Record<string, unknown> = {},
  ) {
    super(`${providerLabel(provider)}: ${message}`, { code, provider, ...extra }, detail);
    this.provider = provider;
  }
}

/** Network error, timeout, 5xx, or an open circuit: worth retrying later. */
export class UpstreamUnavailableError extends UpstreamError {
  readonly code = 'UPSTREAM_UNAVAILABLE';
  constructor(provider: Provider, message: string, detail?: string) {
    super('UPSTREAM_UNAVAILABLE', provider, message, detail);
  }
}

export class UpstreamRateLimitedError extends UpstreamError {
  readonly code = 'UPSTREAM_RATE_LIMITED';
  /** How long the provider asked us to wait, when it said so. */
  readonly retryAfterMs: number | null;
  constructor(provider: Provider, message: string, retryAfterMs: number | null, detail?: string) {
    super(
      'UPSTREAM_RATE_LIMITED',
      provider,
      message,
      detail,
      retryAfterMs === null ? {} : { retryAfterSeconds: Math.ceil(retryAfterMs / 1000) },
    );
    this.retryAfterMs = retryAfterMs;
  }
}

/** Invalid JSON, an empty body, or a body of the wrong shape. Retrying will not help. */
export class UpstreamBadResponseError extends UpstreamError {
  readonly code = 'UPSTREAM_BAD_RESPONSE';
  constructor(provider: Provider, message: string, detail?: string) {
    super('UPSTREAM_BAD_RESPONSE', provider, message, detail);
  }
}

/** 401/403 from the provider: the gateway's key is wrong, not the client's. */
export class UpstreamUnauthorizedError extends UpstreamError {
  readonly code = 'UPSTREAM_UNAUTHORIZED';
  constructor(provider: Provider, message: string, detail?: string) {
    super('UPSTREAM_UNAUTHORIZED', provider, message, detail);
  }
}

/** A resume point (`after`, `Last-Event-ID`) older than the event log's retention: events after it are gone. */
export class EventsExpiredError extends GatewayError {
  readonly code = 'EVENTS_EXPIRED';
  constructor(retentionMs: number) {
    super(
      `Events after this id are no longer kept (the gateway keeps about ${Math.round(retentionMs / 60_000)} min). ` +
        'Resubscribe without `after`, and reload the campaigns you show.',
      { code: 'EVENTS_EXPIRED' },
    );
  }
}

/** The subscriber read more slowly than events arrived; its queue is bounded, so it is dropped. */
export class SlowConsumerError extends GatewayError {
  readonly code = 'SLOW_CONSUMER';
  constructor(lastDeliveredId: string | null) {
    super(
      'This subscription fell too far behind the events and was closed. ' +
        (lastDeliveredId === null
          ? 'Resubscribe.'
          : `Resubscribe with \`after: "${lastDeliveredId}"\` to continue where it stopped.`),
      { code: 'SLOW_CONSUMER', ...(lastDeliveredId === null ? {} : { lastEventId: lastDeliveredId }) },
    );
  }
}

export class TooManySubscriptionsError extends GatewayError {
  readonly code = 'TOO_MANY_SUBSCRIPTIONS';
  constructor(max: number) {
    super(
      `This client already has ${max} open subscriptions, the most the gateway allows. ` +
        'Close one, or subscribe once with a wider filter.',
      { code: 'TOO_MANY_SUBSCRIPTIONS', http: { status: 429 } },
    );
  }
}

/** A webhook delivery the gateway cannot take: bad signature (401), too large (413), or malformed (400). */
export class WebhookRejectedError extends GatewayError {
  readonly code: 'UNAUTHENTICATED' | 'REQUEST_TOO_LARGE' | 'BAD_WEBHOOK';
  constructor(status: 400 | 401 | 413, message: string) {
    const code = status === 401 ? 'UNAUTHENTICATED' : status === 413 ? 'REQUEST_TOO_LARGE' : 'BAD_WEBHOOK';
    super(message, { code, http: { status } });
    this.code = code;
  }
}
