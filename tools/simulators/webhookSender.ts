import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { signAlturPayload } from '../../src/providers/altur/webhooks.js';
import type { AlturSimulator } from './altur.js';

export interface WebhookSenderOptions {
  /** The gateway's `…/webhooks/altur`. */
  url: string;
  /** Base64, as the gateway's ALTUR_WEBHOOK_SECRET. */
  secret: string;
  /** Told about a delivery that failed (the demo logs it); Altur itself would retry. */
  onError?: (error: unknown) => void;
}

/**
 * Makes the Altur simulator behave like Altur's webhooks: every status change it makes is POSTed, signed, as
 * `campaign.status_changed`. Returns the unsubscribe plus a `settled()` that waits for deliveries in flight.
 */
export function sendAlturWebhooks(altur: AlturSimulator, options: WebhookSenderOptions) {
  const key = Buffer.from(options.secret, 'base64');
  const inFlight = new Set<Promise<void>>();
  const unsubscribe = altur.onChange((change) => {
    if (change.kind !== 'updated' || change.record.status === change.previous.status) return;
    const body = JSON.stringify({
      event_id: randomUUID(),
      event_type: 'campaign.status_changed',
      occurred_at: new Date().toISOString(),
      api_version: '1.0',
      project_id: 'demo',
      data: {
        campaign: {
          id: change.record.id,
          name: change.record.name,
          status: change.record.status,
          previous_status: change.previous.status,
        },
      },
    });
    const delivery = request(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-altur-signature': signAlturPayload(body, key) },
      body,
    })
      .then((response) => response.body.dump())
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => inFlight.delete(delivery));
    inFlight.add(delivery);
  });
  return {
    stop: unsubscribe,
    async settled() {
      await Promise.allSettled([...inFlight]);
    },
  };
}
