import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LiveGateway,
  openSse,
  postWebhook,
  SUBSCRIPTION,
  startLiveGateway,
  startSims,
  statusChanged,
} from '../support/live.js';

let sims: Awaited<ReturnType<typeof startSims>>;
let live: LiveGateway;
let unsigned: LiveGateway;
let alturId: number;

beforeAll(async () => {
  sims = await startSims();
  alturId = sims.altur.dataset().find((campaign) => !campaign.archived)?.id ?? 0;
  live = await startLiveGateway(sims, { EVENT_RETENTION_COUNT: '3', MAX_SUBSCRIPTIONS_PER_CLIENT: '2' });
  unsigned = await startLiveGateway(sims, { ALTUR_WEBHOOK_SECRET: '' });
});

afterAll(async () => {
  await live?.close();
  await unsigned?.close();
  await sims?.close();
});

describe('live event limits', () => {
  it('answers EVENTS_EXPIRED for an `after` older than the retention, saying to resubscribe', async () => {
    const first = await postWebhook(live.base, JSON.stringify(statusChanged(alturId, 'active', 'ready')));
    const { eventId } = JSON.parse(first.text) as { eventId: string };
    for (let i = 0; i < 4; i++)
      await postWebhook(live.base, JSON.stringify(statusChanged(alturId, 'inactive', 'active')));
    const sse = await openSse(live.url, SUBSCRIPTION, { after: eventId });
    const message = await sse.next();
    expect(message.data.errors?.[0]?.extensions?.code).toBe('EVENTS_EXPIRED');
    expect(message.data.errors?.[0]?.message).toContain('Resubscribe without `after`');
    sse.close();
  });

  it('limits open subscriptions per client and frees a slot when one closes', async () => {
    const a = await openSse(live.url, SUBSCRIPTION);
    const b = await openSse(live.url, SUBSCRIPTION);
    const c = await openSse(live.url, SUBSCRIPTION);
    expect((await c.next()).data.errors?.[0]?.extensions?.code).toBe('TOO_MANY_SUBSCRIPTIONS');
    c.close();
    a.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const d = await openSse(live.url, SUBSCRIPTION);
    await postWebhook(live.base, JSON.stringify(statusChanged(alturId, 'finished', 'active')));
    expect((await d.next(1000)).data.data?.campaignEvents).toMatchObject({ status: 'COMPLETED' });
    b.close();
    d.close();
  });

  it('sends keep-alive comments on an idle stream', async () => {
    const response = await request(live.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: SUBSCRIPTION }),
    });
    let text = '';
    const started = Date.now();
    for await (const chunk of response.body) {
      text += (chunk as Buffer).toString();
      if ((text.match(/:\n\n/g) ?? []).length >= 2 || Date.now() - started > 3000) break;
    }
    expect((text.match(/:\n\n/g) ?? []).length).toBeGreaterThanOrEqual(2);
    response.body.destroy();
  });

  it('answers 404 on /webhooks/altur when no secret is configured', async () => {
    const response = await postWebhook(
      unsigned.base,
      JSON.stringify(statusChanged(alturId, 'active', 'ready')),
    );
    expect(response.status).toBe(404);
  });
});
