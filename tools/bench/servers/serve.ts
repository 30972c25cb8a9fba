import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { z } from 'zod';
import { parseJsonFast } from '../../../src/http/jsonBody.js';

// What the anchor servers share: their upstream settings (one JSON argument), one keep-alive undici Pool per
// provider configured as the gateway's, a ready line on stdout, and a clean exit on SIGTERM.

const upstream = z.object({ url: z.string(), apiKey: z.string() });
const upstreams = z.object({ altur: upstream, auralytik: upstream });
export type Upstreams = z.infer<typeof upstreams>;

export function upstreamsFromArgv(): Upstreams {
  const raw = process.argv[2];
  if (raw === undefined) {
    process.stderr.write('usage: <server>.js \'{"altur":{"url","apiKey"},"auralytik":{"url","apiKey"}}\'\n');
    process.exit(2);
  }
  return upstreams.parse(JSON.parse(raw));
}

export interface UpstreamPages {
  /** GET `path?query` below the provider's base URL; the parsed JSON body. */
  get(query: string): Promise<unknown>;
  close(): Promise<void>;
}

/** As the gateway's transport: a keep-alive Pool per origin, 256 connections (the bench's setting there). */
export function upstreamPages(base: { url: string }, authorization: string): UpstreamPages {
  const url = new URL(base.url);
  const pool = new Pool(url.origin, { connections: 256, keepAliveTimeout: 10_000 });
  const prefix = `${url.pathname.replace(/\/+$/, '')}/campaigns?`;
  const headers = { accept: 'application/json', authorization };
  return {
    // Decoded as the gateway decodes upstream bodies (src/http/jsonBody.ts), so that the difference between an
    // anchor and the gateway is not how the same bytes become a string.
    async get(query) {
      const response = await pool.request({ method: 'GET', path: prefix + query, headers });
      const bytes = Buffer.from(await response.body.arrayBuffer());
      if (response.statusCode !== 200) throw new Error(`upstream answered ${response.statusCode}`);
      return (parseJsonFast(bytes) ?? { value: JSON.parse(bytes.toString('utf8')) }).value;
    },
    close: () => pool.close(),
  };
}

/** Listens on a free loopback port, prints `{"url": …}`, and on SIGTERM closes and exits 0. */
export async function serve(server: Server, close: () => Promise<void>): Promise<void> {
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** The request body, whole. */
export async function readBody(request: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
