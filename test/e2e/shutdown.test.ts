import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'undici';
import { afterEach, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/schema/globalId.js';
import { alturCampaign, startAlturSimulator } from '../../tools/simulators/index.js';
import { spawnGateway } from '../support/process.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

it('lets an in-flight request finish on SIGTERM, then exits 0', async () => {
  const altur = await startAlturSimulator({
    dataset: [alturCampaign({ id: 5, name: 'Slow one' })],
    rateLimit: false,
  });
  try {
    altur.faults.add({ route: 'detail', delayMs: 1500 });
    const gateway = await spawnGateway({
      NODE_ENV: 'production',
      ALTUR_API_KEY: altur.apiKey,
      ALTUR_BASE_URL: altur.url,
    });
    const { child, port } = gateway;
    children.push(child);

    const slow = request(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'query ($id: ID!) { campaign(id: $id) { name } }',
        variables: { id: encodeGlobalId('AlturCampaign', '5') },
      }),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGTERM');
    const response = await slow;
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ data: { campaign: { name: 'Slow one' } } });
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(gateway.output()).toContain('shutting down');
    expect(gateway.output()).not.toContain(altur.apiKey);
  } finally {
    await altur.close();
  }
}, 30_000);
