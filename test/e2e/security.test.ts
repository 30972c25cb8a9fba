import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { encodeGlobalId } from '../../src/schema/globalId.js';
import { expectNoLeak, type Harness, startHarness } from '../support/harness.js';

const KEY = 'client-key-0123456789abcdef';
const OTHER_KEY = 'second-client-key-fedcba9876543210';
const AUTH = { authorization: `Bearer ${KEY}` };

/** The security a production process derives from its environment. */
const production = loadConfig({
  NODE_ENV: 'production',
  ALTUR_API_KEY: 'unused-here',
  GATEWAY_API_KEYS: `${KEY}, ${OTHER_KEY}`,
  CLIENT_RATE_LIMIT_PER_SECOND: '0',
}).security;

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ security: production, graphiql: false });
  harness.secrets.push(KEY, OTHER_KEY);
});
afterAll(() => harness.close());
beforeEach(() => {
  harness.altur.requests.reset();
  harness.auralytik.requests.reset();
});

function upstreamCalls(): number {
  return harness.altur.requests.count() + harness.auralytik.requests.count();
}

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await request(harness.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...AUTH, ...headers },
    body,
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: JSON.parse(text) as Body };
}

interface Body {
  data?: unknown;
  errors?: { message: string; extensions?: { code?: string } }[];
}

function codes(body: Body): (string | undefined)[] {
  return (body.errors ?? []).map((error) => error.extensions?.code);
}

describe('client authentication', () => {
  it.each([
    ['no Authorization header', {}],
    ['a wrong key', { authorization: 'Bearer not-a-key-not-a-key-1234' }],
    ['a key that is a prefix of a right one', { authorization: `Bearer ${KEY.slice(0, -1)}` }],
    ['another scheme', { authorization: `Basic ${KEY}` }],
  ])('answers 401 UNAUTHENTICATED to %s, calling no provider', async (_name, headers) => {
    const response = await request(harness.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: '{ campaigns(first: 2) { totalCount } }' }),
    });
    const text = await response.body.text();
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    const body = JSON.parse(text) as Body;
    expect(codes(body)).toEqual(['UNAUTHENTICATED']);
    expect(body.errors?.[0]?.message).toMatch(/Authorization: Bearer|API key/);
    expect(upstreamCalls()).toBe(0);
    expectNoLeak(harness, text);
  });

  it('serves data to each configured key', async () => {
    for (const key of [KEY, OTHER_KEY]) {
      const response = await post(JSON.stringify({ query: '{ campaigns(first: 2) { totalCount } }' }), {
        authorization: `Bearer ${key}`,
      });
      expect(response.status).toBe(200);
      expect(response.json.errors).toBeUndefined();
      expect(response.json.data).toEqual({ campaigns: { totalCount: expect.any(Number) } });
    }
  });

  it.each([
    ['POST', '/graphql/'],
    ['GET', '/graphql/'],
    ['POST', '/x/graphql'],
    ['POST', '//graphql'],
    ['POST', '/foo?/graphql'],
  ])('answers 404 to %s %s (yoga would run GraphQL there), calling no provider', async (method, path) => {
    const query = '{ campaigns(first: 2) { totalCount } }';
    const base = harness.url.replace('/graphql', '');
    const response = await request(
      method === 'GET' ? `${base}${path}?query=${encodeURIComponent(query)}` : `${base}${path}`,
      method === 'GET'
        ? { headers: { 'x-graphql-csrf': '1' } }
        : {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query }),
          },
    );
    const text = await response.body.text();
    expect(response.statusCode).toBe(404);
    expect(text).not.toContain('"data"');
    expect(upstreamCalls()).toBe(0);
  });

  it('needs no key for /healthz and /readyz', async () => {
    const healthz = await request(harness.url.replace('/graphql', '/healthz'));
    expect(healthz.statusCode).toBe(200);
    await healthz.body.dump();
    const readyz = await request(harness.url.replace('/graphql', '/readyz'));
    expect(readyz.statusCode).toBe(200);
    expect(await readyz.body.json()).toEqual({
      status: 'ready',
      providers: { ALTUR: 'closed', AURALYTIK: 'closed' },
    });
  });
});

describe('production defaults', () => {
  it.each([
    ['__schema', '{ __schema { types { name } } }'],
    ['__type', '{ __type(name: "Campaign") { fields { name } } }'],
  ])('refuses introspection through %s', async (_name, query) => {
    const response = await post(JSON.stringify({ query }));
    expect(response.json.data).toBeUndefined();
    expect(new Set(codes(response.json))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
    expect(response.json.errors?.[0]?.message).toMatch(/introspection/i);
  });

  it('does not suggest field names, which would reveal the schema', async () => {
    const response = await post(JSON.stringify({ query: '{ campaigns(first: 1) { totalCoun } }' }));
    expect(codes(response.json)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(response.text).not.toMatch(/did you mean/i);
    expect(response.text).not.toContain('totalCount');
  });

  it('sends no CORS headers unless CORS_ORIGINS allows an origin', async () => {
    const response = await request(harness.url, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    await response.body.dump();
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('operation limits: refused before any upstream call', () => {
  const nested = (levels: number) =>
    `${'{ ... on Query '.repeat(levels)}{ campaigns(first: 1) { totalCount } }${' }'.repeat(levels)}`;

  it.each([
    ['depth 20', JSON.stringify({ query: `query Deep ${nestedCampaigns(20)}` })],
    ['20 nested fragments', JSON.stringify({ query: nested(20) })],
    [
      '100 aliases of campaigns(first: 100)',
      JSON.stringify({
        query: `{ ${Array.from({ length: 100 }, (_, i) => `a${i}: campaigns(first: 100) { edges { node { id } } }`).join(' ')} }`,
      }),
    ],
    [
      'ten full pages with agents (cost)',
      JSON.stringify({
        query: `{ ${Array.from({ length: 10 }, (_, i) => `p${i}: campaigns(first: 100) { edges { node { id ... on AlturCampaign { agent { name } } } } }`).join(' ')} }`,
      }),
    ],
    [
      'a 3000-token query',
      JSON.stringify({ query: `{ campaigns(first: 1) { ${'totalCount '.repeat(3000)} } }` }),
    ],
  ])('%s -> 400 OPERATION_LIMIT_EXCEEDED', async (_name, body) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(codes(response.json)).toContain('OPERATION_LIMIT_EXCEEDED');
    for (const error of response.json.errors ?? []) {
      // Production states which limit, not its value.
      expect(error.message).not.toMatch(/\d/);
      expect(error.message.length).toBeGreaterThan(30);
    }
    expect(upstreamCalls()).toBe(0);
    expectNoLeak(harness, response.text);
  });

  it('a first of 1e9 through a variable -> BAD_USER_INPUT, no upstream call', async () => {
    const response = await post(
      JSON.stringify({
        query: 'query Page($n: Int) { campaigns(first: $n) { edges { node { id } } } }',
        variables: { n: 1_000_000_000 },
      }),
    );
    expect(codes(response.json)).toEqual(['BAD_USER_INPUT']);
    expect(response.json.errors?.[0]?.message).toMatch(/first/);
    expect(upstreamCalls()).toBe(0);
  });

  it('counts page sizes given as variables in the cost', async () => {
    const query = `query Pages($n: Int) { ${Array.from({ length: 10 }, (_, i) => `p${i}: campaigns(first: $n) { edges { node { id ... on AlturCampaign { agent { name } } } } }`).join(' ')} }`;
    const cheap = await post(JSON.stringify({ query, variables: { n: 2 } }));
    expect(cheap.json.errors).toBeUndefined();
    harness.altur.requests.reset();
    harness.auralytik.requests.reset();
    const costly = await post(JSON.stringify({ query, variables: { n: 100 } }));
    expect(codes(costly.json)).toEqual(['OPERATION_LIMIT_EXCEEDED']);
    expect(upstreamCalls()).toBe(0);
  });

  it('a 100k-token query -> 413 REQUEST_TOO_LARGE', async () => {
    const response = await post(
      JSON.stringify({ query: `{ campaigns(first: 1) { ${'totalCount '.repeat(100_000)} } }` }),
    );
    expect(response.status).toBe(413);
    expect(codes(response.json)).toEqual(['REQUEST_TOO_LARGE']);
    expect(upstreamCalls()).toBe(0);
  });

  it('a 1000-operation JSON batch -> 400, no upstream call', async () => {
    const batch = Array.from({ length: 1000 }, () => ({ query: '{campaigns(first:1){totalCount}}' }));
    const response = await post(JSON.stringify(batch));
    expect(response.status).toBe(400);
    expect(codes(response.json)).toEqual(['BAD_REQUEST']);
    expect(upstreamCalls()).toBe(0);
  });

  it('a batch of two is refused too: one operation per request', async () => {
    const response = await post(JSON.stringify([{ query: '{__typename}' }, { query: '{__typename}' }]));
    expect(response.status).toBe(400);
    expect(response.json.errors?.[0]?.message).toMatch(/batching/i);
  });
});

describe('browser safety', () => {
  it('refuses a text/plain POST (a form could send it cross-site)', async () => {
    const response = await request(harness.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ campaigns(first: 1) { totalCount } }' }),
    });
    const body = (await response.body.json()) as Body;
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(body.data).toBeUndefined();
    expect(upstreamCalls()).toBe(0);
  });

  it('refuses a text/plain POST with CSRF_PREVENTED where no key is needed', async () => {
    const open = await startHarness();
    try {
      const response = await request(open.url, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ query: '{ campaigns(first: 1) { totalCount } }' }),
      });
      const body = (await response.body.json()) as Body;
      expect(response.statusCode).toBe(403);
      expect(codes(body)).toEqual(['CSRF_PREVENTED']);
      expect(body.errors?.[0]?.message).toMatch(/application\/json/);
      expect(open.altur.requests.count() + open.auralytik.requests.count()).toBe(0);
      const preflighted = await request(`${open.url}?query=${encodeURIComponent('{ __typename }')}`, {
        headers: { 'x-graphql-csrf': '1' },
      });
      expect(await preflighted.body.json()).toEqual({ data: { __typename: 'Query' } });
    } finally {
      await open.close();
    }
  });

  it('answers a preflight from an allowed origin only', async () => {
    const withCors = await startHarness({ security: { corsOrigins: ['https://app.example'] } });
    try {
      const preflight = (origin: string) =>
        request(withCors.url, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization,content-type',
          },
        });
      const allowed = await preflight('https://app.example');
      await allowed.body.dump();
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(String(allowed.headers['access-control-allow-headers'])).toMatch(/authorization/);
      const other = await preflight('https://evil.example');
      await other.body.dump();
      expect(other.headers['access-control-allow-origin']).not.toBe('https://evil.example');
    } finally {
      await withCors.close();
    }
  });
});

describe('per-client rate limit', () => {
  it('answers 429 with Retry-After to a client over its rate, and not to another client', async () => {
    const limited = await startHarness({
      security: { apiKeys: [KEY, OTHER_KEY], clientRateLimitPerSecond: 3 },
    });
    try {
      const send = (key: string) =>
        request(limited.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ query: '{ __typename }' }),
        });
      const statuses: number[] = [];
      let refused: Awaited<ReturnType<typeof send>> | undefined;
      for (let i = 0; i < 5; i++) {
        const response = await send(KEY);
        statuses.push(response.statusCode);
        if (response.statusCode === 429) refused = response;
        else await response.body.dump();
      }
      expect(statuses.filter((status) => status === 200).length).toBe(3);
      expect(statuses.filter((status) => status === 429).length).toBe(2);
      expect(Number(refused?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const body = (await refused?.body.json()) as Body;
      expect(codes(body)).toEqual(['RATE_LIMITED']);
      expect(body.errors?.[0]?.message).toMatch(/Retry in \d+ s/);

      const other = await send(OTHER_KEY);
      expect(other.statusCode).toBe(200);
      await other.body.dump();
    } finally {
      await limited.close();
    }
  });
});

describe('per-client rate limit behind a proxy', () => {
  it('keys on the address the load balancer appended, not on what the client put before it', async () => {
    const behindProxy = await startHarness({ security: { clientRateLimitPerSecond: 1, trustProxy: true } });
    try {
      const send = (forwardedFor: string) =>
        request(behindProxy.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
          body: JSON.stringify({ query: '{ __typename }' }),
        });
      const first = await send('1.1.1.1, 203.0.113.7');
      await first.body.dump();
      const spoofed = await send('2.2.2.2, 203.0.113.7');
      await spoofed.body.dump();
      const otherClient = await send('1.1.1.1, 203.0.113.8');
      await otherClient.body.dump();
      expect([first.statusCode, spoofed.statusCode, otherClient.statusCode]).toEqual([200, 429, 200]);
    } finally {
      await behindProxy.close();
    }
  });
});

describe('metrics and logs', () => {
  it('exposes request, error and per-provider upstream histograms on /metrics after traffic', async () => {
    await post(JSON.stringify({ query: '{ campaigns(first: 5) { edges { node { id } } } }' }));
    await post(JSON.stringify({ query: '{ campaigns(first: 1) { nope } }' }));
    const response = await request(harness.url.replace('/graphql', '/metrics'));
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = await response.body.text();
    for (const provider of ['ALTUR', 'AURALYTIK']) {
      expect(text).toMatch(
        new RegExp(
          `gateway_upstream_request_duration_seconds_bucket\\{le="0.005",provider="${provider}"\\} \\d+`,
        ),
      );
      expect(text).toMatch(
        new RegExp(`gateway_upstream_requests_total\\{provider="${provider}",status="200"\\} [1-9]`),
      );
      expect(text).toContain(`gateway_upstream_circuit_state{provider="${provider}"} 0`);
      expect(text).toContain(`gateway_upstream_retries_total{provider="${provider}"}`);
    }
    expect(text).toMatch(/gateway_http_requests_total\{status="200"\} [1-9]/);
    expect(text).toMatch(/gateway_http_request_duration_seconds_count [1-9]/);
    expect(text).toMatch(/gateway_graphql_errors_total\{code="GRAPHQL_VALIDATION_FAILED"\} [1-9]/);
    expect(text).toMatch(/gateway_graphql_errors_total\{code="UNAUTHENTICATED"\} [1-9]/);
    expectNoLeak(harness, text);
  });

  it('logs one JSON line per request with its id, echoes the id, and forwards it upstream', async () => {
    const before = harness.logLines.length;
    const requestId = 'trace-me-42';
    const response = await post(
      JSON.stringify({ query: 'query Named { campaigns(first: 3) { totalCount } }' }),
      {
        'x-request-id': requestId,
      },
    );
    expect(response.headers['x-request-id']).toBe(requestId);
    const lines = harness.logLines
      .slice(before)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'graphql request');
    expect(lines).toEqual([
      expect.objectContaining({
        requestId,
        status: 200,
        operationName: 'Named',
        method: 'POST',
        durationMs: expect.any(Number),
        client: expect.stringMatching(/^key:[0-9a-f]{16}$/),
      }),
    ]);
    const forwarded = [...harness.altur.requests.all(), ...harness.auralytik.requests.all()].map(
      (entry) => entry.requestId,
    );
    expect(forwarded.length).toBeGreaterThan(0);
    expect(new Set(forwarded)).toEqual(new Set([requestId]));
  });

  it('makes up a request id when the caller sends none or an unsafe one', async () => {
    const response = await post(JSON.stringify({ query: '{ __typename }' }), {
      'x-request-id': 'bad id\nwith newline'.replace('\n', ' '),
    });
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('does not log a client that hung up as an error', async () => {
    harness.altur.faults.add({ route: 'detail', delayMs: 800 });
    try {
      const before = harness.logLines.length;
      const ids = [7, 8, 9].map((id) => encodeGlobalId('AlturCampaign', String(id)));
      await expect(
        request(harness.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...AUTH },
          body: JSON.stringify({
            query: 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }',
            variables: { ids },
          }),
          signal: AbortSignal.timeout(200),
        }),
      ).rejects.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const errors = harness.logLines
        .slice(before)
        .map((line) => JSON.parse(line) as { level: number })
        .filter((line) => line.level >= 50);
      expect(errors).toEqual([]);
    } finally {
      harness.altur.faults.clear();
    }
  });

  it('never writes a client key or a provider key into a log line', () => {
    expect(harness.logLines.length).toBeGreaterThan(10);
    for (const line of harness.logLines) {
      for (const secret of harness.secrets) expect(line).not.toContain(secret);
    }
  });
});

function nestedCampaigns(depth: number): string {
  // campaigns > edges > node > agent: 4 real levels, then the same fragment spread inside itself is
  // rejected as a cycle; depth is reached with inline fragments on the connection's node instead.
  let selection = 'name';
  for (let level = 0; level < depth - 4; level++) selection = `... on AlturAgent { ${selection} }`;
  return `{ campaigns(first: 1) { edges { node { ... on AlturCampaign { agent { ${selection} } } } } } }`;
}
