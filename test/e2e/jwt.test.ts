import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JwtConfig } from '../../src/security/jwt.js';
import { expectNoLeak, type Harness, startHarness } from '../support/harness.js';

const ISSUER = 'https://login.example/';
const AUDIENCE = 'campaign-gateway';
const API_KEY = 'jwt-suite-api-key-0123456789';
const QUERY = JSON.stringify({ query: '{ campaigns(first: 2) { totalCount } }' });

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  pair: KeyPair;
}

async function signingKey(kid: string, alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  return { kid, alg, pair: await generateKeyPair(alg, { extractable: true }) };
}

async function publicJwk(key: SigningKey): Promise<JWK> {
  return { ...(await exportJWK(key.pair.publicKey)), kid: key.kid, alg: key.alg, use: 'sig' };
}

/** A token as the issuer would mint it; `claims` and `header` override the defaults for the refusal cases. */
function token(
  key: SigningKey,
  claims: JWTPayload = {},
  options: { expiresIn?: string | number; kid?: string; withoutSub?: boolean } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { sub: _sub, ...rest } = { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: now, ...claims };
  return new SignJWT(options.withoutSub === true ? rest : { ...rest, sub: _sub })
    .setProtectedHeader({ alg: key.alg, kid: options.kid ?? key.kid, typ: 'JWT' })
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(key.pair.privateKey);
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The issuer's key set on loopback port 0: what it publishes can change (rotation) and it can fail. */
class JwksServer {
  keys: JWK[] = [];
  hits = 0;
  failing = false;
  private readonly server: Server = createServer((_req, res) => {
    this.hits++;
    if (this.failing) {
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.keys }));
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function jwtConfig(jwksUrl: string, overrides: Partial<JwtConfig> = {}): JwtConfig {
  return {
    jwksUrl,
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['RS256', 'ES256'],
    clockToleranceSeconds: 30,
    // Rotation is tested without waiting out jose's 30 s between refetches.
    jwksCooldownMs: 0,
    jwksTimeoutMs: 1000,
    ...overrides,
  };
}

interface Body {
  data?: unknown;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function post(gateway: Harness, authorization?: string, extra: Record<string, string> = {}) {
  const response = await request(gateway.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization === undefined ? {} : { authorization }),
      ...extra,
    },
    body: QUERY,
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, body: JSON.parse(text) as Body };
}

let rsa: SigningKey;
let ec: SigningKey;
let stranger: SigningKey;
const jwks = new JwksServer();
let jwksUrl: string;
let gateway: Harness;

beforeAll(async () => {
  [rsa, ec, stranger] = await Promise.all([
    signingKey('rsa-1', 'RS256'),
    signingKey('ec-1', 'ES256'),
    signingKey('stranger', 'RS256'),
  ]);
  jwks.keys = [await publicJwk(rsa), await publicJwk(ec)];
  jwksUrl = await jwks.start();
  gateway = await startHarness({
    security: {
      apiKeys: [API_KEY],
      jwt: jwtConfig(jwksUrl),
      corsOrigins: ['https://app.example'],
    },
  });
  gateway.secrets.push(API_KEY);
});
afterAll(async () => {
  await gateway.close();
  await jwks.close();
});
beforeEach(() => {
  gateway.altur.requests.reset();
  gateway.auralytik.requests.reset();
});

const upstreamCalls = () => gateway.altur.requests.count() + gateway.auralytik.requests.count();

describe('JWT from the configured issuer', () => {
  it.each([
    ['RS256', () => rsa],
    ['ES256', () => ec],
  ])('serves a valid %s token like an API key, naming the client by its sub', async (_alg, key) => {
    const response = await post(gateway, `Bearer ${await token(key(), { sub: `user-${_alg}` })}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ data: { campaigns: { totalCount: expect.any(Number) } } });
    const line = gateway.logLines
      .map((entry) => JSON.parse(entry))
      .findLast((entry) => entry.msg === 'graphql request');
    expect(line?.client).toBe(`jwt:user-${_alg}`);
  });

  it('keeps serving API keys beside JWT', async () => {
    const response = await post(gateway, `Bearer ${API_KEY}`);
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
  });

  it('accepts a token that expired within the clock tolerance', async () => {
    const response = await post(
      gateway,
      `Bearer ${await token(rsa, {}, { expiresIn: Math.floor(Date.now() / 1000) - 10 })}`,
    );
    expect(response.status).toBe(200);
  });

  it('fetches the key set once and serves later tokens from the cache', async () => {
    const before = jwks.hits;
    for (let i = 0; i < 5; i++) {
      expect((await post(gateway, `Bearer ${await token(rsa, { sub: `cached-${i}` })}`)).status).toBe(200);
    }
    expect(jwks.hits).toBe(before);
  });
});

describe('refused tokens: 401 UNAUTHENTICATED saying why, no upstream call', () => {
  const now = () => Math.floor(Date.now() / 1000);
  it.each<[string, () => Promise<string>, RegExp]>([
    ['expired', () => token(rsa, {}, { expiresIn: now() - 120 }), /expired/],
    ['from another issuer', () => token(rsa, { iss: 'https://evil.example/' }), /issuer/],
    ['for another audience', () => token(rsa, { aud: 'another-api' }), /audience/],
    ['not valid yet', () => token(rsa, { nbf: now() + 600 }), /not valid yet/],
    ['with a bad signature', () => token(stranger, {}, { kid: rsa.kid }), /signature/],
    ['signed with an unknown kid', () => token(stranger), /kid/],
    ['without sub', () => token(rsa, {}, { withoutSub: true }), /sub/],
    [
      'signed with HS256',
      () =>
        new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1' })
          .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode('a-shared-secret-a-shared-secret-32')),
      /algorithm.*RS256, ES256/,
    ],
    [
      'with alg none',
      async () =>
        `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', exp: now() + 300 })}.`,
      /algorithm|accept/,
    ],
    [
      'with its payload altered',
      async () => {
        const [header, , signature] = (await token(rsa)).split('.');
        return `${header}.${base64url({ iss: ISSUER, aud: AUDIENCE, sub: 'admin', exp: now() + 300 })}.${signature}`;
      },
      /signature/,
    ],
  ])('refuses a token %s', async (_name, make, reason) => {
    const response = await post(gateway, `Bearer ${await make()}`);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);
    expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(response.body.errors?.[0]?.message).toMatch(reason);
    if (process.env.JWT_MESSAGES) console.info(`${_name}: ${response.body.errors?.[0]?.message}`);
    expect(response.body.data).toBeUndefined();
    expect(upstreamCalls()).toBe(0);
    expectNoLeak(gateway, response.text);
  });

  it('asks for a key or a token when there is none', async () => {
    const response = await post(gateway);
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0]?.message).toMatch(/API key or a sign-in token/);
  });
});

describe('key rotation', () => {
  it('picks up a key the issuer starts publishing, and refuses tokens of a key it stopped publishing', async () => {
    const next = await signingKey('rsa-2', 'RS256');
    const old = await token(rsa, { sub: 'rotating' });
    jwks.keys = [await publicJwk(next), await publicJwk(ec)];
    const before = jwks.hits;
    const fresh = await post(gateway, `Bearer ${await token(next, { sub: 'rotating' })}`);
    expect(fresh.status).toBe(200);
    expect(jwks.hits).toBe(before + 1);
    const retired = await post(gateway, `Bearer ${old}`);
    expect(retired.status).toBe(401);
    expect(retired.body.errors?.[0]?.message).toMatch(/kid/);
    jwks.keys = [await publicJwk(rsa), await publicJwk(ec)];
  });
});

describe('per-client rate limit by sub', () => {
  it('counts every token of one sub together, and other subs apart', async () => {
    const limited = await startHarness({
      security: { apiKeys: [], jwt: jwtConfig(jwksUrl), clientRateLimitPerSecond: 2 },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        // A fresh token each time (another iat and jti), as a browser app refreshing it would send.
        statuses.push(
          (await post(limited, `Bearer ${await token(rsa, { sub: 'alice', jti: `t${i}` })}`)).status,
        );
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect((await post(limited, `Bearer ${await token(rsa, { sub: 'bob' })}`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('an unreachable key set', () => {
  it.each([
    [
      'answers 500',
      async () => jwksUrl,
      () => {
        jwks.failing = true;
      },
    ],
    [
      'refuses connections',
      async () => {
        const gone = new JwksServer();
        const url = await gone.start();
        await gone.close();
        return url;
      },
      () => {},
    ],
  ])(
    'gives JWT callers 503 AUTH_UNAVAILABLE when it %s, and API keys keep working',
    async (_name, url, fail) => {
      // A gateway of its own, so no key set is cached yet.
      const cold = await startHarness({ security: { apiKeys: [API_KEY], jwt: jwtConfig(await url()) } });
      fail();
      try {
        const refused = await post(cold, `Bearer ${await token(rsa)}`);
        expect(refused.status).toBe(503);
        expect(refused.headers['retry-after']).toBe('5');
        expect(refused.body.errors?.map((error) => error.extensions?.code)).toEqual(['AUTH_UNAVAILABLE']);
        expect(refused.body.errors?.[0]?.message).toMatch(/Retry shortly/);
        expectNoLeak(cold, refused.text);
        const served = await post(cold, `Bearer ${API_KEY}`);
        expect(served.status).toBe(200);
        expect(served.body.errors).toBeUndefined();
      } finally {
        jwks.failing = false;
        await cold.close();
      }
    },
  );
});

describe('browser apps', () => {
  it('lets a configured origin send Authorization, and serves it', async () => {
    const preflight = await request(gateway.url, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    await preflight.body.dump();
    expect(preflight.statusCode).toBeLessThan(300);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/authorization/);
    const response = await post(gateway, `Bearer ${await token(ec)}`, { origin: 'https://app.example' });
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example');
  });
});
