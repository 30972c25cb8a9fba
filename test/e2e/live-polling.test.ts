import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/schema/globalId.js';
import { type LiveGateway, openSse, SUBSCRIPTION, startLiveGateway, startSims } from '../support/live.js';
import { findRedisServer, type RedisServer, startRedisServer } from '../support/redis.js';

const redisBinary = findRedisServer();

const INTERVAL_MS = 500;
let sims: Awaited<ReturnType<typeof startSims>>;
let live: LiveGateway;

beforeAll(async () => {
  sims = await startSims();
  live = await startLiveGateway(sims, {
    AURALYTIK_POLL_INTERVAL_MS: String(INTERVAL_MS),
    // The poll reads through the shared cache; with a freshness the change shows up to that much later.
    AURALYTIK_CACHE_FRESH_MS: '0',
  });
  // The first poll sets the baseline.
  await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 2));
});

afterAll(async () => {
  await live?.close();
  await sims?.close();
});

describe('Auralytik polling', () => {
  it('turns a status change in the simulator into an event within one poll interval + 1 s', async () => {
    const sse = await openSse(live.url, SUBSCRIPTION, { filter: { providers: ['AURALYTIK'] } });
    const target = sims.auralytik.dataset()[0];
    if (target === undefined) throw new Error('no Auralytik campaign');
    const next = target.status === 'Paused' ? 'Running' : 'Paused';
    sims.auralytik.updateCampaign(target.id, { status: next });
    const message = await sse.next(INTERVAL_MS + 1000);
    expect(message.data.data?.campaignEvents).toMatchObject({
      type: 'STATUS_CHANGED',
      provider: 'AURALYTIK',
      campaignId: encodeGlobalId('AuralytikCampaign', target.id),
      status: next === 'Paused' ? 'PAUSED' : 'RUNNING',
    });
    sse.close();
  });

  it('records CREATED for a new campaign at the head', async () => {
    const sse = await openSse(live.url, SUBSCRIPTION, { filter: { providers: ['AURALYTIK'] } });
    const created = sims.auralytik.createCampaign();
    const message = await sse.next(INTERVAL_MS + 1000);
    expect(message.data.data?.campaignEvents).toMatchObject({
      type: 'CREATED',
      campaignId: encodeGlobalId('AuralytikCampaign', (created as { id: string }).id),
    });
    sse.close();
  });
});

describe.skipIf(redisBinary === null)('Auralytik polling with the poll lock in Redis', () => {
  let redis: RedisServer;
  let replica: LiveGateway;

  beforeAll(async () => {
    redis = await startRedisServer(redisBinary ?? 'redis-server');
    // The first poll is due as the gateway is built, before its Redis connection is up.
    replica = await startLiveGateway(sims, {
      AURALYTIK_POLL_INTERVAL_MS: String(INTERVAL_MS * 2),
      AURALYTIK_CACHE_FRESH_MS: '0',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `poll-${process.pid}`,
    });
  });

  afterAll(async () => {
    await replica?.close();
    await redis?.stop();
  });

  it('the first poll sets the baseline at start-up, so a campaign created within the first interval is an event', async () => {
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS / 2));
    const sse = await openSse(replica.url, SUBSCRIPTION, { filter: { providers: ['AURALYTIK'] } });
    const created = sims.auralytik.createCampaign();
    const message = await sse.next(INTERVAL_MS * 2 + 1000);
    expect(message.data.data?.campaignEvents).toMatchObject({
      type: 'CREATED',
      campaignId: encodeGlobalId('AuralytikCampaign', (created as { id: string }).id),
    });
    sse.close();
  });
});
