import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { request } from 'undici';
import { loadConfig } from '../../src/config.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { signAlturPayload } from '../../src/providers/altur/webhooks.js';
import {
  type AlturSimulator,
  type AuralytikSimulator,
  startAlturSimulator,
  startAuralytikSimulator,
} from '../../tools/simulators/index.js';

export const WEBHOOK_SECRET = randomBytes(32).toString('base64');

export interface LiveGateway {
  gateway: Gateway;
  server: Server;
  base: string;
  url: string;
  logLines: string[];
  close(): Promise<void>;
}

/** The real gateway (createGateway, as main.ts builds it) on port 0, with WebSockets, over given simulators. */
export async function startLiveGateway(
  sims: { altur: AlturSimulator; auralytik: AuralytikSimulator },
  env: Record<string, string> = {},
): Promise<LiveGateway> {
  const config = loadConfig({
    NODE_ENV: 'test',
    ALTUR_API_KEY: sims.altur.apiKey,
    ALTUR_BASE_URL: sims.altur.url,
    AURALYTIK_API_KEY: sims.auralytik.apiKey,
    AURALYTIK_BASE_URL: sims.auralytik.url,
    ALTUR_WEBHOOK_SECRET: WEBHOOK_SECRET,
    AURALYTIK_POLL_INTERVAL_MS: '0',
    SUBSCRIPTION_KEEP_ALIVE_MS: '1000',
    ...env,
  });
  const logLines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const gateway = await createGateway(config, logger);
  const server = createServer(gateway.app);
  gateway.serveWebSockets(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    gateway,
    server,
    base,
    url: `${base}/graphql`,
    logLines,
    async close() {
      server.closeAllConnections();
      await gateway.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function startSims() {
  const altur = await startAlturSimulator({ count: 30, seed: 7, rateLimit: { limit: 50, windowMs: 1000 } });
  const auralytik = await startAuralytikSimulator({ count: 30, seed: 9 });
  return { altur, auralytik, close: () => Promise.all([altur.close(), auralytik.close()]) };
}

export function statusChanged(
  campaignId: number,
  status: string,
  previous: string,
  eventId: string = randomUUID(),
) {
  return {
    event_id: eventId,
    event_type: 'campaign.status_changed',
    occurred_at: '2026-06-08T14:23:15.482000-06:00',
    api_version: '1.0',
    project_id: 'proj-1',
    data: { campaign: { id: campaignId, name: 'Campaña', status, previous_status: previous } },
  };
}

export async function postWebhook(
  base: string,
  body: string,
  options: { secret?: string | null; signature?: string } = {},
) {
  const secret = options.secret === undefined ? WEBHOOK_SECRET : options.secret;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.signature !== undefined) headers['x-altur-signature'] = options.signature;
  else if (secret !== null)
    headers['x-altur-signature'] = signAlturPayload(body, Buffer.from(secret, 'base64'));
  const response = await request(`${base}/webhooks/altur`, { method: 'POST', headers, body });
  return { status: response.statusCode, text: await response.body.text() };
}

export interface SseMessage {
  id: string | null;
  data: {
    data?: { campaignEvents?: Record<string, unknown> } | null;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
}

/** A GraphQL-over-SSE subscription over real HTTP; `next` waits for the next message. */
export async function openSse(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const abort = new AbortController();
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  const messages: SseMessage[] = [];
  let waiters: (() => void)[] = [];
  let ended = false;
  void (async () => {
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        buffer += (chunk as Buffer).toString('utf8');
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          const lines = block.split('\n');
          if (!lines.includes('event: next')) continue;
          const id = lines.find((line) => line.startsWith('id: '))?.slice(4) ?? null;
          const data = lines.find((line) => line.startsWith('data: '))?.slice(6) ?? '{}';
          messages.push({ id, data: JSON.parse(data) as SseMessage['data'] });
          for (const wake of waiters) wake();
          waiters = [];
        }
      }
    } catch {
      // aborted
    }
    ended = true;
    for (const wake of waiters) wake();
  })();
  let read = 0;
  return {
    status: response.statusCode,
    messages,
    get ended() {
      return ended;
    },
    async next(timeoutMs = 2000): Promise<SseMessage> {
      const deadline = Date.now() + timeoutMs;
      while (messages.length <= read) {
        if (ended) throw new Error('stream ended');
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no SSE message within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      const message = messages[read];
      read += 1;
      if (message === undefined) throw new Error('unreachable');
      return message;
    },
    /** True when nothing arrives for `ms`. */
    async quiet(ms: number): Promise<boolean> {
      const before = messages.length;
      await new Promise((resolve) => setTimeout(resolve, ms));
      return messages.length === before;
    },
    close() {
      abort.abort();
    },
  };
}

export const SUBSCRIPTION = `subscription ($filter: CampaignFilter, $after: ID) {
  campaignEvents(filter: $filter, after: $after) {
    id type provider occurredAt campaignId status previousStatus campaign { providerId name }
  }
}`;
