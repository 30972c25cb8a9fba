import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlturSimulator, startAlturSimulator } from '../../tools/simulators/index.js';
import { type GatewayProcess, spawnGateway } from '../support/process.js';

const CLIENT_KEY = 'body-limit-client-key-0123456789';
const MAX_REQUEST_BYTES = 65_536;
const MiB = 1024 * 1024;

interface Upload {
  status: number;
  body: string;
  connection: string | undefined;
  /** Bytes the client had handed to its socket when the answer arrived. */
  sentBeforeAnswer: number;
  /** The server closed the connection (the client saw its socket close). */
  closed: boolean;
}

/**
 * POSTs `prefix`, then `chunks` (a generator, so nothing is held in memory), then `suffix`, with chunked framing
 * and backpressure: a chunk is written only once the socket took the previous one. Stops writing once an
 * answer arrived.
 */
function upload(
  url: string,
  prefix: string,
  chunks: () => Generator<Buffer>,
  suffix: string,
): Promise<Upload> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = httpRequest(url, {
      method: 'POST',
      agent: false,
      headers: {
        'content-type': 'application/json',
        'transfer-encoding': 'chunked',
        authorization: `Bearer ${CLIENT_KEY}`,
      },
    });
    req.on('response', (res) => {
      answered = true;
      const sentBeforeAnswer = sent;
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => {
        const answer = {
          status: res.statusCode ?? 0,
          body,
          connection: res.headers.connection,
          sentBeforeAnswer,
        };
        const socket = req.socket;
        if (socket === null || socket.destroyed) {
          resolve({ ...answer, closed: true });
          return;
        }
        // A connection the server keeps open would still be open after this.
        const timer = setTimeout(() => {
          resolve({ ...answer, closed: false });
          req.destroy();
        }, 3000);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve({ ...answer, closed: true });
        });
      });
    });
    // Writing into a socket the server closed fails (EPIPE, ECONNRESET): expected once it answered.
    req.on('error', (error) => {
      setTimeout(() => {
        if (!answered) reject(error);
      }, 200);
    });
    const source = chunks();
    const pump = () => {
      for (;;) {
        if (answered || req.destroyed) return;
        const next = source.next();
        if (next.done === true) {
          req.end(suffix);
          return;
        }
        sent += next.value.length;
        if (!req.write(next.value)) {
          req.once('drain', pump);
          return;
        }
      }
    };
    req.write(prefix);
    pump();
  });
}

function* repeat(chunk: Buffer, totalBytes: number): Generator<Buffer> {
  for (let sent = 0; sent < totalBytes; sent += chunk.length) yield chunk;
}

/** Restarts a process's RSS high-water mark from its current RSS (Linux 4.0+); false where not allowed. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits until the process is quiet: its peak stays within 1 MiB of its RSS for half a second. A gateway that
 * just served its first queries swells by some 30 MiB for a moment afterwards (V8 compiling and collecting),
 * with no request in flight; that must not be counted against the body. Returns whether the peak can be reset.
 */
async function settle(pid: number): Promise<boolean> {
  for (let attempt = 0; attempt < 20; attempt++) {
    if (!resetPeak(pid)) return false;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { rss, peak } = memoryOf(pid);
    if (peak - rss < MiB) return resetPeak(pid);
  }
  return resetPeak(pid);
}

/** Resident set and its high-water mark of a process, in bytes (Linux /proc). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kib('VmRSS') * 1024, peak: kib('VmHWM') * 1024 };
}

let altur: AlturSimulator;
let gateway: GatewayProcess;
beforeAll(async () => {
  altur = await startAlturSimulator({ count: 5, rateLimit: false });
  // The gateway in its own process, as in production, so its memory is measured apart from the test's.
  gateway = await spawnGateway({
    NODE_ENV: 'production',
    ALTUR_API_KEY: altur.apiKey,
    ALTUR_BASE_URL: altur.url,
    GATEWAY_API_KEYS: CLIENT_KEY,
    MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES),
    LOG_LEVEL: 'info',
  });
}, 30_000);
afterAll(async () => {
  gateway?.child.kill('SIGKILL');
  await altur?.close();
});

const QUERY_PREFIX = '{"query":"{ campaigns(first: 1) { totalCount } }","variables":{"pad":"';
const QUERY_SUFFIX = '"}}';

describe('request body limit, whatever the framing', () => {
  it('serves a chunked body under the limit', async () => {
    const answer = await upload(
      gateway.url,
      QUERY_PREFIX,
      () => repeat(Buffer.alloc(1024, 'a'), 32 * 1024),
      QUERY_SUFFIX,
    );
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ data: { campaigns: { totalCount: 5 } } });
  });

  it('answers a chunked body just over the limit with 413 REQUEST_TOO_LARGE and closes the connection', async () => {
    const before = altur.requests.count();
    const answer = await upload(
      gateway.url,
      QUERY_PREFIX,
      () => repeat(Buffer.alloc(1024, 'a'), 80 * 1024),
      QUERY_SUFFIX,
    );
    expect(answer.status).toBe(413);
    expect(answer.closed).toBe(true);
    const body = JSON.parse(answer.body) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors.map((error) => error.extensions.code)).toEqual(['REQUEST_TOO_LARGE']);
    expect(body.errors[0]?.message).toMatch(/Send a shorter query/);
    expect(altur.requests.count()).toBe(before);
  });

  it.skipIf(!existsSync('/proc/self/status'))(
    'stops reading a 200 MB chunked body at the limit: the gateway grows by less than 20 MB',
    async () => {
      // Warm up the paths a refusal takes, so that what is measured is the body and not first-use code.
      await upload(
        gateway.url,
        QUERY_PREFIX,
        () => repeat(Buffer.alloc(1024, 'a'), 128 * 1024),
        QUERY_SUFFIX,
      );
      const pid = gateway.child.pid ?? 0;
      const peakReset = await settle(pid);
      const before = memoryOf(pid);
      // Sampled as well, for a kernel that does not let the high-water mark be reset.
      let sampled = before.rss;
      const sampler = setInterval(() => {
        sampled = Math.max(sampled, memoryOf(pid).rss);
      }, 5);
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const answer = await upload(gateway.url, QUERY_PREFIX, () => repeat(chunk, 200 * MiB), QUERY_SUFFIX);
      clearInterval(sampler);
      const after = memoryOf(pid);
      const growth = Math.max(peakReset ? after.peak : 0, after.rss, sampled) - before.rss;
      console.info(
        `200 MB chunked body: 413 after the client sent ${(answer.sentBeforeAnswer / MiB).toFixed(1)} MiB; ` +
          `gateway RSS ${(before.rss / MiB).toFixed(1)} -> ${(after.rss / MiB).toFixed(1)} MiB, ` +
          `peak ${(after.peak / MiB).toFixed(1)} MiB (growth ${(growth / MiB).toFixed(1)} MiB)`,
      );
      expect(answer.status).toBe(413);
      expect(answer.closed).toBe(true);
      // Socket buffers on both sides hold a few MiB; the other 190-odd MiB were never sent.
      expect(answer.sentBeforeAnswer).toBeLessThan(32 * MiB);
      expect(growth).toBeLessThan(20 * MiB);
    },
    60_000,
  );
});
