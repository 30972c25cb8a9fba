import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlturSimulator, startAlturSimulator } from '../../tools/simulators/index.js';
import { openSse, postWebhook, SUBSCRIPTION, statusChanged, WEBHOOK_SECRET } from '../support/live.js';
import { type GatewayProcess, spawnGateway } from '../support/process.js';
import { findRedisServer, type RedisServer, startRedisServer } from '../support/redis.js';

const redisBinary = findRedisServer();
if (redisBinary === null && process.env.CI !== undefined) {
  throw new Error('redis-server is not installed; .ci/run installs it (apt-get install redis-server)');
}

let redis: RedisServer;
let altur: AlturSimulator;
const gateways: GatewayProcess[] = [];

describe.skipIf(redisBinary === null)('live events across two replicas on one Redis', () => {
  beforeAll(async () => {
    redis = await startRedisServer(redisBinary ?? 'redis-server');
    altur = await startAlturSimulator({ count: 10, seed: 3 });
    const env = {
      ALTUR_API_KEY: altur.apiKey,
      ALTUR_BASE_URL: altur.url,
      ALTUR_WEBHOOK_SECRET: WEBHOOK_SECRET,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `live-${process.pid}`,
      LOG_LEVEL: 'info',
    };
    gateways.push(await spawnGateway(env), await spawnGateway(env));
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }, 30_000);

  afterAll(async () => {
    for (const gateway of gateways) gateway.child.kill('SIGKILL');
    await redis?.stop();
    await altur?.close();
  });

  it('delivers a webhook sent to one replica to a subscriber on the other, once, resumable there', async () => {
    const [a, b] = gateways;
    if (a === undefined || b === undefined) throw new Error('replicas missing');
    const base = (gateway: GatewayProcess) => gateway.url.replace('/graphql', '');
    const id = altur.dataset().find((campaign) => !campaign.archived)?.id ?? 1;
    const sse = await openSse(b.url, SUBSCRIPTION, { filter: { includeArchived: true } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const payload = JSON.stringify(statusChanged(id, 'finished', 'active', 'evt-replicas-1'));
    expect((await postWebhook(base(a), payload)).status).toBe(200);
    // The retry lands on the other replica: still one event.
    expect((await postWebhook(base(b), payload)).status).toBe(200);
    const message = await sse.next(1000);
    expect(message.data.data?.campaignEvents).toMatchObject({ status: 'COMPLETED', provider: 'ALTUR' });
    expect(await sse.quiet(500)).toBe(true);
    sse.close();

    await postWebhook(base(a), JSON.stringify(statusChanged(id, 'inactive', 'finished')));
    const resumed = await openSse(b.url, SUBSCRIPTION, {
      after: message.id,
      filter: { includeArchived: true },
    });
    expect((await resumed.next(1000)).data.data?.campaignEvents).toMatchObject({ status: 'PAUSED' });
    resumed.close();
  });
});
