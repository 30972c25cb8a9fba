import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Provider } from '../domain/campaign.js';
import { WebhookRejectedError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import { rejectRequest } from '../security/reject.js';
import type { EventRecorder } from './intake.js';
import type { NewCampaignEvent } from './types.js';

/** What a provider's webhook module makes of a verified body. */
export type WebhookDelivery =
  | { kind: 'event'; sourceId: string; event: NewCampaignEvent }
  | { kind: 'ignored'; sourceId: string | null; reason: string }
  | { kind: 'invalid'; message: string };

export interface WebhookIntakeOptions {
  /** e.g. `/webhooks/acme`; only POST is served there. */
  path: string;
  provider: Provider;
  /** Signature check over the raw body (the provider module knows how). */
  verify(raw: string, request: Request): boolean;
  parse(raw: string): WebhookDelivery;
  recorder: EventRecorder;
  logger: Logger;
  metrics?: Metrics | undefined;
  /**
   * Larger bodies are refused with 413, counted while reading, whatever Content-Length says.
   * @default 65536
   */
  maxBytes?: number;
}

/**
 * A provider's webhook endpoint, answered before GraphQL sees the request: bounded read, signature, shape,
 * then the event log, then 200. Deliveries that are authentic but of no use (unknown type or version, a
 * repeated event id) are acknowledged with 200 so the provider stops retrying them.
 */
export function useWebhookIntake(options: WebhookIntakeOptions): Plugin {
  const maxBytes = options.maxBytes ?? 64 * 1024;
  const { provider, logger, metrics } = options;
  const refuse = (request: Request, status: 400 | 401 | 413, message: string, reason: string) => {
    metrics?.webhook(provider, 'rejected');
    logger.warn({ provider, status, reason }, 'webhook refused');
    return rejectRequest(request, new WebhookRejectedError(status, message));
  };
  return {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname !== options.path) return;
      metrics?.webhook(provider, 'received');
      if (request.method !== 'POST') {
        endResponse(
          Response.json(
            {
              errors: [{ message: 'Webhooks are delivered with POST.', extensions: { code: 'BAD_WEBHOOK' } }],
            },
            { status: 405, headers: { allow: 'POST' } },
          ),
        );
        return;
      }
      const raw = await readBounded(request, maxBytes);
      if (raw === null) {
        endResponse(
          refuse(
            request,
            413,
            `The delivery is larger than ${maxBytes} bytes, the most this endpoint takes.`,
            'size',
          ),
        );
        return;
      }
      if (!options.verify(raw, request)) {
        endResponse(
          refuse(
            request,
            401,
            'The signature is missing or does not match this body. Check the webhook secret configured at the provider.',
            'signature',
          ),
        );
        return;
      }
      metrics?.webhook(provider, 'verified');
      const delivery = options.parse(raw);
      if (delivery.kind === 'invalid') {
        endResponse(refuse(request, 400, delivery.message, 'shape'));
        return;
      }
      if (delivery.kind === 'ignored') {
        metrics?.webhook(provider, 'ignored');
        logger.info({ provider, sourceId: delivery.sourceId, reason: delivery.reason }, 'webhook ignored');
        endResponse(Response.json({ status: 'ignored' }));
        return;
      }
      try {
        const result = await options.recorder.record(delivery.event);
        if (!result.recorded) metrics?.webhook(provider, 'duplicate');
        endResponse(
          Response.json(
            result.recorded ? { status: 'recorded', eventId: result.event.id } : { status: 'duplicate' },
          ),
        );
      } catch (error) {
        // Not recorded: a 503 makes the provider deliver it again later.
        logger.error(
          { provider, detail: error instanceof Error ? error.message : 'unknown' },
          'webhook could not be recorded',
        );
        endResponse(
          Response.json(
            {
              errors: [
                {
                  message: 'The event could not be recorded; deliver it again.',
                  extensions: { code: 'UNAVAILABLE' },
                },
              ],
            },
            { status: 503, headers: { 'retry-after': '5' } },
          ),
        );
      }
    },
  };
}

/** The body as text, or null once it exceeds `maxBytes` (the rest is not read). */
async function readBounded(request: Request, maxBytes: number): Promise<string | null> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return null;
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
