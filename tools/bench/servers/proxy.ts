import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';

// The transport floor for `npm run bench`: the least a Node HTTP hop in front of a provider can cost (same
// server, same undici keep-alive pool as the gateway), with no GraphQL, validation, mapping or merging.
// Usage: node --import tsx tools/bench/servers/proxy.ts <upstream origin>
// stdout carries exactly one JSON line with the proxy's URL.

const target = process.argv[2];
if (target === undefined) {
  process.stderr.write('usage: proxy.ts <upstream origin>\n');
  process.exit(2);
}
const pool = new Pool(new URL(target).origin, { connections: 64, keepAliveTimeout: 10_000 });

/** What a JSON client needs back; hop-by-hop headers must not be forwarded. */
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'content-length'] as const;

const server = createServer((req, res) => {
  req.resume();
  const headers: Record<string, string> = {};
  if (req.headers.authorization !== undefined) headers.authorization = req.headers.authorization;
  pool.request({ method: 'GET', path: req.url ?? '/', headers }).then(
    (upstream) => {
      const out: Record<string, string> = {};
      for (const name of FORWARDED_RESPONSE_HEADERS) {
        const value = upstream.headers[name];
        if (typeof value === 'string') out[name] = value;
      }
      res.writeHead(upstream.statusCode, out);
      // pipeline destroys both ends on failure; a client that hung up is not worth a log line here.
      pipeline(upstream.body, res).catch(() => undefined);
    },
    () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('upstream unreachable');
    },
  );
});
server.keepAliveTimeout = 10_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
process.stdout.write(
  `${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`,
);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  pool.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
