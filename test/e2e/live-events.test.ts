import { randomBytes } from 'node:crypto';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signAlturPayload } from '../../src/providers/altur/webhooks.js';
import { encodeGlobalId } from '../../src/schema/globalId.js';
import {
  type LiveGateway,
  openSse,
  postWebhook,
  SUBSCRIPTION,
  startLiveGateway,
  startSims,
  statusChanged,
  WEBHOOK_SECRET,
} from '../support/live.js';

let sims: Awaited<ReturnType<typeof startSims>>;
let live: LiveGateway;
let alturId: number;

beforeAll(async () => {
  sims = await startSims();
  const first = sims.altur.dataset().find((campaign) => !campaign.archived);
  if (first === undefined) throw new Error('no unarchived Altur campaign');
  alturId = first.id;
  live = await startLiveGateway(sims);
});

afterAll(async () => {
  await live?.close();
  await sims?.close();
});

describe('POST /webhooks/altur -> campaignEvents over SSE', () => {
  it('delivers a signed webhook to an open subscription within 1 s, statuses mapped, time in UTC', async () => {
    const sse = await openSse(live.url, SUBSCRIPTION);
    expect(sse.status).toBe(200);
    const started = Date.now();
    const delivery = await postWebhook(
      live.base,
      JSON.stringify(statusChanged(alturId, 'finished', 'active')),
    );
    expect(delivery.status).toBe(200);
    const message = await sse.next(1000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(message.id).toMatch(/^\d+-\d+$/);
    expect(message.data.data?.campaignEvents).toMatchObject({
      id: message.id,
      type: 'STATUS_CHANGED',
      provider: 'ALTUR',
      occurredAt: '2026-06-08T20:23:15.482Z',
      campaignId: encodeGlobalId('AlturCampaign', String(alturId)),
      status: 'COMPLETED',
      previousStatus: 'RUNNING',
      campaign: { providerId: String(alturId) },
    });
    sse.close();
  });
});

describe('webhook refusals', () => {
  const body = () => JSON.stringify(statusChanged(alturId, 'inactive', 'active'));

  it('answers 401 to a bad, missing, tampered or foreign signature, and no event follows', async () => {
    const sse = await openSse(live.url, SUBSCRIPTION);
    const other = randomBytes(32).toString('base64');
    const signed = body();
    const cases = [
      await postWebhook(live.base, body(), { signature: 'not-a-signature' }),
      await postWebhook(live.base, body(), { secret: null }),
      await postWebhook(live.base, signed.replace('inactive', 'finished'), {
        signature: signAlturPayload(signed, Buffer.from(WEBHOOK_SECRET, 'base64')),
      }),
      await postWebhook(live.base, body(), { secret: other }),
    ];
    for (const refused of cases) {
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.text)).toMatchObject({
        errors: [{ extensions: { code: 'UNAUTHENTICATED' } }],
      });
      expect(refused.text).not.toContain(WEBHOOK_SECRET);
    }
    expect(await sse.quiet(400)).toBe(true);
    sse.close();
  });

  it('records one event for an event_id delivered 5 times', async () => {
    const sse = await openSse(live.url, SUBSCRIPTION);
    const payload = JSON.stringify(statusChanged(alturId, 'cooldown', 'active', 'evt-repeated-1'));
    for (let i = 0; i < 5; i++) expect((await postWebhook(live.base, payload)).status).toBe(200);
    const first = await sse.next(1000);
    expect(first.data.data?.campaignEvents).toMatchObject({ status: 'COOLDOWN' });
    expect(await sse.quiet(400)).toBe(true);
    sse.close();
  });

  it('verifies against the compact and Python-escaped re-serialisations of a pretty body', async () => {
    const event = statusChanged(alturId, 'ready', 'pending');
    const pretty = JSON.stringify(event, null, 2);
    const python = JSON.stringify(event).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    const key = Buffer.from(WEBHOOK_SECRET, 'base64');
    expect(
      (await postWebhook(live.base, pretty, { signature: signAlturPayload(JSON.stringify(event), key) }))
        .status,
    ).toBe(200);
    const again = { ...event, event_id: `${event.event_id}-py` };
    const againPython = python.replace(event.event_id, again.event_id);
    expect(againPython).toContain('\\u00f1');
    expect(
      (
        await postWebhook(live.base, pretty.replace(event.event_id, again.event_id), {
          signature: signAlturPayload(againPython, key),
        })
      ).status,
    ).toBe(200);
  });

  it('answers 400 saying what is wrong for a body that is not JSON or not an envelope, 413 when too large', async () => {
    const notJson = await postWebhook(live.base, 'not json');
    expect(notJson.status).toBe(400);
    expect(notJson.text).toContain('not JSON');
    const shape = await postWebhook(
      live.base,
      JSON.stringify({ event_id: 'x', event_type: 'campaign.status_changed' }),
    );
    expect(shape.status).toBe(400);
    expect(shape.text).toContain('occurred_at');
    const large = await postWebhook(live.base, JSON.stringify({ pad: 'x'.repeat(70 * 1024) }));
    expect(large.status).toBe(413);
  });

  it('acknowledges an unknown event_type or api_version with 200 and records nothing', async () => {
    const sse = await openSse(live.url, SUBSCRIPTION);
    const call = { ...statusChanged(alturId, 'active', 'ready'), event_type: 'on_call_end' };
    expect((await postWebhook(live.base, JSON.stringify(call))).status).toBe(200);
    const future = { ...statusChanged(alturId, 'active', 'ready'), api_version: '2.0' };
    expect((await postWebhook(live.base, JSON.stringify(future))).status).toBe(200);
    expect(await sse.quiet(400)).toBe(true);
    sse.close();
  });
});

describe('resuming', () => {
  it('delivers the missed events in order, none twice, with `after` and with Last-Event-ID', async () => {
    const sse = await openSse(live.url, SUBSCRIPTION);
    await postWebhook(live.base, JSON.stringify(statusChanged(alturId, 'active', 'ready')));
    const seen = await sse.next(1000);
    sse.close();
    const statuses = ['inactive', 'active', 'finished'];
    for (const [index, status] of statuses.entries())
      await postWebhook(
        live.base,
        JSON.stringify(statusChanged(alturId, status, statuses[index - 1] ?? 'active')),
      );

    const resumed = await openSse(live.url, SUBSCRIPTION, { after: seen.id });
    const got = [await resumed.next(), await resumed.next(), await resumed.next()];
    expect(got.map((m) => m.data.data?.campaignEvents?.status)).toEqual(['PAUSED', 'RUNNING', 'COMPLETED']);
    expect(await resumed.quiet(300)).toBe(true);
    resumed.close();

    const viaHeader = await openSse(live.url, SUBSCRIPTION, {}, { 'last-event-id': got[0]?.id ?? '' });
    const rest = [await viaHeader.next(), await viaHeader.next()];
    expect(rest.map((m) => m.id)).toEqual([got[1]?.id, got[2]?.id]);
    expect(await viaHeader.quiet(300)).toBe(true);
    viaHeader.close();
  });

  it('refuses a malformed `after` with BAD_USER_INPUT', async () => {
    const sse = await openSse(live.url, SUBSCRIPTION, { after: 'yesterday' });
    const message = await sse.next();
    expect(message.data.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    sse.close();
  });
});

describe('filters', () => {
  it('narrows the events to the filter (status and provider)', async () => {
    const sse = await openSse(live.url, SUBSCRIPTION, { filter: { status: ['PAUSED'] } });
    await postWebhook(live.base, JSON.stringify(statusChanged(alturId, 'active', 'inactive')));
    await postWebhook(live.base, JSON.stringify(statusChanged(alturId, 'inactive', 'active')));
    const message = await sse.next(1000);
    expect(message.data.data?.campaignEvents).toMatchObject({ status: 'PAUSED' });
    expect(await sse.quiet(300)).toBe(true);
    sse.close();
    const none = await openSse(live.url, SUBSCRIPTION, { filter: { providers: ['AURALYTIK'] } });
    await postWebhook(live.base, JSON.stringify(statusChanged(alturId, 'active', 'inactive')));
    expect(await none.quiet(400)).toBe(true);
    none.close();
  });
});

describe('WebSocket (graphql-ws)', () => {
  it('receives an event', async () => {
    const client: Client = createClient({
      url: live.url.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      lazy: false,
    });
    const received = new Promise<Record<string, unknown>>((resolve, reject) => {
      client.subscribe(
        { query: SUBSCRIPTION },
        {
          next: (result) => resolve(result as Record<string, unknown>),
          error: reject,
          complete: () => undefined,
        },
      );
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await postWebhook(live.base, JSON.stringify(statusChanged(alturId, 'pending', 'ready')));
    const result = await received;
    expect(result).toMatchObject({
      data: { campaignEvents: { status: 'PENDING', previousStatus: 'READY' } },
    });
    await client.dispose();
  });
});
