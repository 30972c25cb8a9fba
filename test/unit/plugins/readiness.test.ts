import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { type ReadinessOptions, useReadiness } from '../../../src/plugins/readiness.js';
import type { ProviderClient } from '../../../src/providers/provider.js';

const schema = createSchema({
  typeDefs: 'type Query { ok: Boolean }',
  resolvers: { Query: { ok: () => true } },
});

const client = { provider: 'ALTUR', breakerState: 'closed' } as unknown as ProviderClient;

function app(options: Partial<ReadinessOptions> = {}) {
  return createYoga({ schema, plugins: [useReadiness({ clients: [client], ...options })], logging: false });
}

describe('useReadiness', () => {
  it('answers /readyz with each provider breaker state', async () => {
    const response = await app().fetch('http://gateway/readyz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', providers: { ALTUR: 'closed' } });
  });

  it('answers 503 once shutting down', async () => {
    const response = await app({ isShuttingDown: () => true }).fetch('http://gateway/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'shutting-down' });
  });

  it('answers 503, not a 500, when a check throws', async () => {
    const response = await app({
      redisState: () => {
        throw new Error('state unavailable');
      },
    }).fetch('http://gateway/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'unknown' });
  });

  // yoga's useReadinessCheck also answered any URL ending in the endpoint (`/graphql?x=/readyz`).
  it.each(['/graphql?x=/readyz', '/other/readyz', '/readyz/'])(
    'leaves %s to the rest of the app',
    async (path) => {
      const response = await app().fetch(`http://gateway${path}`);
      expect(await response.text()).not.toContain('"providers"');
    },
  );
});
