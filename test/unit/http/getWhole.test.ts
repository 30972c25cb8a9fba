import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, Dispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { getWhole } from '../../../src/http/responseBody.js';
import { TransportError } from '../../../src/http/transportFailure.js';

// A real loopback server, so the handler API is exercised as undici drives it, not as a double would.
let server: Server;
let origin: string;
const agent = new Agent();

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/declared') {
      // Only the headers: a gateway that waited for the body would run out of time instead.
      response.writeHead(200, { 'content-length': '5000' }).flushHeaders();
    } else if (request.url === '/streamed') {
      response.writeHead(200);
      for (let index = 0; index < 10; index++) response.write('y'.repeat(500));
      response.end();
    } else if (request.url === '/early') {
      response.writeEarlyHints({ link: '</campaigns.css>; rel=preload; as=style' }, () =>
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
      );
    } else if (request.url === '/early-then-cut') {
      response.writeEarlyHints({ link: '</campaigns.css>; rel=preload; as=style' }, () =>
        response.socket?.destroy(),
      );
    } else if (request.url === '/cut') {
      response.writeHead(200, { 'content-length': '1000' });
      response.write('z'.repeat(100), () => response.socket?.destroy());
    } else {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"missing"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await agent.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const get = (path: string, maxBytes = 4096) => {
  const statuses: number[] = [];
  const answer = getWhole(agent, {
    origin,
    path,
    headers: {},
    maxBytes,
    timeoutMs: 2000,
    onStatus: (status) => statuses.push(status),
  });
  return { answer, statuses };
};

const failureOf = async (answer: Promise<unknown>) => {
  const error = await answer.catch((thrown: unknown) => thrown);
  return error instanceof TransportError ? error.failure : error;
};

describe('getWhole over loopback', () => {
  it('answers a status it does not judge, with its headers and body, and tells the status first', async () => {
    const { answer, statuses } = get('/other');
    const whole = await answer;
    expect(whole.statusCode).toBe(404);
    expect(whole.headers['content-type']).toBe('application/json');
    expect(Buffer.concat(whole.body.chunks).toString('utf8')).toBe('{"error":"missing"}');
    expect(whole.body.size).toBe(19);
    expect(statuses).toEqual([404]);
  });

  it('refuses a declared length over the bound before reading it', async () => {
    expect(await failureOf(get('/declared').answer)).toEqual({
      kind: 'body_too_large',
      retryable: false,
      maxBytes: 4096,
    });
  });

  it('refuses an undeclared body once it grows past the bound, and serves it under a larger one', async () => {
    expect(await failureOf(get('/streamed').answer)).toMatchObject({ kind: 'body_too_large' });
    expect((await get('/streamed', 5000).answer).body.size).toBe(5000);
  });

  it('rejects a body cut short with what undici threw, and the agent serves the next request', async () => {
    const error = await get('/cut').answer.catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect((await get('/other').answer).statusCode).toBe(404);
  });

  it('reads past an interim 103 to the answer, and tells only the status of the answer', async () => {
    const { answer, statuses } = get('/early');
    const whole = await answer;
    expect(whole.statusCode).toBe(200);
    expect(Buffer.concat(whole.body.chunks).toString('utf8')).toBe('{"ok":true}');
    expect(statuses).toEqual([200]);
  });

  it('reports a connection cut after an interim 103 as a cut, with no status told', async () => {
    const { answer, statuses } = get('/early-then-cut');
    const error = await answer.catch((thrown: unknown) => thrown);
    expect(error).not.toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(statuses).toEqual([]);
  });
});

describe('getWhole on a dispatcher that throws', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('rejects with what it threw and leaves no timer running', async () => {
    vi.useFakeTimers();
    class Throwing extends Dispatcher {
      override dispatch(): boolean {
        throw new Error('refused');
      }
    }
    const answer = getWhole(new Throwing(), {
      origin,
      path: '/other',
      headers: {},
      maxBytes: 4096,
      timeoutMs: 60_000,
      onStatus: () => {},
    });
    await expect(answer).rejects.toThrow('refused');
    expect(vi.getTimerCount()).toBe(0);
  });
});
