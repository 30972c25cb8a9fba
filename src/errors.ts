import { GraphQLError } from 'graphql';
import type { Provider } from './domain/campaign.js';

export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_RATE_LIMITED'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'UPSTREAM_UNAUTHORIZED';

export type UpstreamErrorCode = Extract<ErrorCode, `UPSTREAM_${string}`>;

/**
 * Every error a client may see. It is a GraphQLError so that yoga's masking lets it through;
 * anything else is masked as an internal error. The message must be safe to show: no key,
 * no upstream URL, no stack. `detail` is for logs only and never serialised.
 */
export abstract class GatewayError extends GraphQLError {
  abstract readonly code: ErrorCode;
  readonly detail: string | undefined;

  constructor(message: string, extensions: Record<string, unknown>, detail?: string) {
    super(message, { extensions });
    this.detail = detail;
  }
}

export class BadUserInputError extends GatewayError {
  readonly code = 'BAD_USER_INPUT';
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(message, { code: 'BAD_USER_INPUT', ...extensions });
  }
}

export class UnauthenticatedError extends GatewayError {
  readonly code = 'UNAUTHENTICATED';
  constructor(message: string) {
    super(message, { code: 'UNAUTHENTICATED', http: { status: 401 } });
  }
}

export const PROVIDER_LABEL: Record<Provider, string> = { ALTUR: 'Altur', AURALYTIK: 'Auralytik' };

export abstract class UpstreamError extends GatewayError {
  abstract override readonly code: UpstreamErrorCode;
  readonly provider: Provider;
  /** A GET that failed this way may succeed if tried again (network, timeout, 502/503/504, 429). */
  retryable = false;

  constructor(
    code: UpstreamErrorCode,
    provider: Provider,
    message: string,
    detail?: string,
    extra: Record<string, unknown> = {},
  ) {
    super(`${PROVIDER_LABEL[provider]}: ${message}`, { code, provider, ...extra }, detail);
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
