import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AlturSimulator, startAlturSimulator } from '../../tools/simulators/index.js';
import { type GatewayProcess, spawnGateway } from '../support/process.js';

const CLIENT_KEY = 'production-client-key-0123456789';

/** An OTLP/HTTP collector that keeps what it receives (the exporter sends JSON). */
let collector: Server;
const exported: string[] = [];
let altur: AlturSimulator;
let gateway: GatewayProcess;
const children: ChildProcess[] = [];

beforeAll(async () => {
  collector = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      exported.push(`${req.url} ${body}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  altur = await startAlturSimulator({ count: 30, rateLimit: false });
  gateway = await spawnGateway({
    NODE_ENV: 'production',
    ALTUR_API_KEY: altur.apiKey,
    ALTUR_BASE_URL: altur.url,
    GATEWAY_API_KEYS: CLIENT_KEY,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
  });
  children.push(gateway.child);
}, 30_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await altur.close();
  await new Promise((resolve) => collector.close(resolve));
});

async function post(query: string, headers: Record<string, string> = {}) {
  const response = await request(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}`, ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: response.statusCode, text: await response.body.text() };
}

it('serves data with a key and 401 without one', async () => {
  const served = await post('query Newest { campaigns(first: 3) { edges { node { id name } } } }');
  expect(served.status).toBe(200);
  expect(JSON.parse(served.text).data.campaigns.edges).toHaveLength(3);
  const refused = await post('{ campaigns(first: 3) { totalCount } }', { authorization: '' });
  expect(refused.status).toBe(401);
});

it('turns introspection and GraphiQL off', async () => {
  const introspection = await post('{ __schema { queryType { name } } }');
  const { errors } = JSON.parse(introspection.text) as { errors: { extensions: { code: string } }[] };
  expect(errors.length).toBeGreaterThan(0);
  for (const error of errors) expect(error.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(introspection.text).not.toContain('"data"');
  const page = await request(gateway.url, { headers: { accept: 'text/html' } });
  expect(page.headers['content-type']).not.toMatch(/html/);
  expect(await page.body.text()).not.toMatch(/graphiql/i);
});

it('answers /healthz, /readyz and /metrics without a key', async () => {
  const base = gateway.url.replace('/graphql', '');
  const healthz = await request(`${base}/healthz`);
  expect(healthz.statusCode).toBe(200);
  await healthz.body.dump();
  const readyz = await request(`${base}/readyz`);
  expect(await readyz.body.json()).toEqual({ status: 'ready', providers: { ALTUR: 'closed' } });
  const metrics = await request(`${base}/metrics`);
  const text = await metrics.body.text();
  expect(text).toMatch(/gateway_upstream_request_duration_seconds_count\{provider="ALTUR"\} [1-9]/);
  expect(text).toContain('gateway_process_resident_memory_bytes');
});

it('writes one JSON log line per GraphQL request, with no key, and exports spans on shutdown', async () => {
  const before = gateway.output().split('\n').length - 1;
  await post('query Traced { campaigns(first: 2) { totalCount } }', { 'x-request-id': 'prod-req-1' });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const lines = gateway
    .output()
    .split('\n')
    .slice(before)
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines.filter((line) => line.msg === 'graphql request')).toEqual([
    expect.objectContaining({ requestId: 'prod-req-1', status: 200, operationName: 'Traced' }),
  ]);
  gateway.child.kill('SIGTERM');
  const [code] = await once(gateway.child, 'exit');
  expect(code).toBe(0);
  for (const secret of [CLIENT_KEY, altur.apiKey]) {
    expect(gateway.output()).not.toContain(secret);
    expect(gateway.stderr()).not.toContain(secret);
    expect(exported.join('\n')).not.toContain(secret);
  }
  const traces = exported.filter((entry) => entry.startsWith('/v1/traces '));
  expect(traces.length).toBeGreaterThan(0);
  const spans = traces.join('\n');
  expect(spans).toContain('graphql.operation');
  expect(spans).toContain('ALTUR GET /campaigns');
  expect(spans).toContain('prod-req-1');
}, 20_000);
