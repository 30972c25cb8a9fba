import type { Provider } from '../domain/campaign.js';
import {
  UpstreamBadResponseError,
  type UpstreamError,
  UpstreamRateLimitedError,
  UpstreamUnauthorizedError,
  UpstreamUnavailableError,
} from '../errors.js';
import { TransportError, type TransportFailure } from '../http/transportFailure.js';

/**
 * The one place a transport failure becomes what a client reads: the message (safe to show, no URL, no key),
 * and the code. Whether to retry was decided below, on the failure itself.
 */
export function toUpstreamError(provider: Provider, failure: TransportFailure): UpstreamError {
  return clientError(provider, failure);
}

/** Maps a TransportError, and lets anything else (a caller's abort reason, a bug) through as it is. */
export function mapTransportError(provider: Provider, error: unknown): unknown {
  return error instanceof TransportError ? toUpstreamError(provider, error.failure) : error;
}

function clientError(provider: Provider, failure: TransportFailure): UpstreamError {
  switch (failure.kind) {
    case 'timeout':
      return new UpstreamUnavailableError(
        provider,
        `did not answer within ${failure.timeoutMs} ms. Retry later.`,
        failure.detail,
      );
    case 'network':
      return new UpstreamUnavailableError(provider, 'could not be reached. Retry later.', failure.detail);
    case 'server_error':
      return new UpstreamUnavailableError(
        provider,
        `is failing (HTTP ${failure.status}). Retry later; other providers' data is unaffected.`,
        failure.detail,
      );
    case 'open_circuit':
      return new UpstreamUnavailableError(
        provider,
        'failed repeatedly, so the gateway is not calling it for a few seconds. Retry shortly.',
        failure.detail ?? 'circuit open',
      );
    case 'unauthorized':
      return new UpstreamUnauthorizedError(
        provider,
        `rejected the gateway's credentials (HTTP ${failure.status}). The gateway operator must check the configured API key.`,
        failure.detail,
      );
    case 'rate_limited': {
      const { retryAfterMs } = failure;
      const hint =
        retryAfterMs === null ? ' Retry shortly.' : ` Retry in ${Math.ceil(retryAfterMs / 1000)} s.`;
      return new UpstreamRateLimitedError(
        provider,
        `is rate-limiting the gateway (HTTP 429).${hint}`,
        retryAfterMs,
        failure.detail,
      );
    }
    case 'shared_rate_limited':
      return new UpstreamRateLimitedError(
        provider,
        `is at its request rate across all gateway replicas. Retry in ${Math.max(1, Math.ceil(failure.retryAfterMs / 1000))} s.`,
        failure.retryAfterMs,
        failure.detail,
      );
    case 'refused':
      return new UpstreamBadResponseError(
        provider,
        `refused the gateway's request (HTTP ${failure.status}).`,
        failure.detail ?? `status ${failure.status}`,
      );
    case 'body_too_large':
      return new UpstreamBadResponseError(
        provider,
        `sent a response larger than the gateway accepts (${failure.maxBytes} bytes).`,
        failure.detail,
      );
    case 'bad_body':
      return new UpstreamBadResponseError(
        provider,
        failure.body === 'empty' ? 'sent an empty response body.' : 'sent a response that is not valid JSON.',
        failure.detail,
      );
  }
}
