import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import {
  clientIdentity,
  identifyClient,
  type RequestInfo,
  recordErrorCode,
  requestInfo,
  trackedRequestInfo,
  useRequestInfo,
} from '../../../src/plugins/requestInfo.js';

const schema = createSchema({
  typeDefs: 'type Query { ok: Boolean }',
  resolvers: { Query: { ok: () => true } },
});

/** A yoga app whose plugins run `probe` in their onRequest, in the given order around useRequestInfo. */
function app(plugins: Plugin[]) {
  return createYoga({ schema, plugins, logging: false });
}

function probe(read: (request: Request) => void): Plugin {
  return { onRequest: ({ request }) => read(request) };
}

describe('useRequestInfo', () => {
  it('records the request before any onRequest, wherever it stands in the list', async () => {
    const seen: (RequestInfo | undefined)[] = [];
    const yoga = app([
      probe((request) => seen.push(trackedRequestInfo(request))),
      useRequestInfo(),
      probe((request) => seen.push(trackedRequestInfo(request))),
    ]);
    const response = await yoga.fetch('http://yoga/graphql?query={ok}', {
      headers: { 'x-request-id': 'abc-1' },
    });
    expect(response.status).toBe(200);
    expect(seen).toEqual([
      expect.objectContaining({ id: 'abc-1', identity: null, errorCodes: [] }),
      expect.objectContaining({ id: 'abc-1' }),
    ]);
    expect(seen[0]).toBe(seen[1]);
  });

  it('makes up an id for a missing or unsafe x-request-id', async () => {
    const ids: string[] = [];
    const yoga = app([probe((request) => ids.push(requestInfo(request).id)), useRequestInfo()]);
    await yoga.fetch('http://yoga/graphql?query={ok}');
    await yoga.fetch('http://yoga/graphql?query={ok}', { headers: { 'x-request-id': 'a b' } });
    expect(ids).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/), expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('records only the GraphQL endpoint: other paths have no info, and refusals there are not counted', async () => {
    const outcomes: string[] = [];
    const yoga = app([
      useRequestInfo(),
      probe((request) => {
        recordErrorCode(request, 'NOT_FOUND');
        outcomes.push(String(trackedRequestInfo(request)));
        try {
          requestInfo(request);
        } catch (error) {
          outcomes.push((error as Error).message);
        }
      }),
    ]);
    await yoga.fetch('http://yoga/healthz');
    expect(outcomes).toEqual(['undefined', expect.stringContaining('not a GraphQL request')]);
  });

  it('refuses to name the client before client access has identified it', async () => {
    const outcomes: string[] = [];
    const yoga = app([
      useRequestInfo(),
      probe((request) => {
        try {
          clientIdentity(request);
        } catch (error) {
          outcomes.push((error as Error).message);
        }
        identifyClient(request, { client: 'addr:127.0.0.1', credential: null });
        outcomes.push(clientIdentity(request).client);
      }),
    ]);
    await yoga.fetch('http://yoga/graphql?query={ok}');
    expect(outcomes).toEqual([expect.stringContaining('before useClientAccess'), 'addr:127.0.0.1']);
  });

  it('throws when it is not installed, rather than logging nothing', async () => {
    const outcomes: string[] = [];
    const yoga = app([
      probe((request) => {
        try {
          requestInfo(request);
        } catch (error) {
          outcomes.push((error as Error).message);
        }
      }),
    ]);
    await yoga.fetch('http://yoga/graphql?query={ok}');
    expect(outcomes).toEqual([expect.stringContaining('useRequestInfo is not installed')]);
  });
});
