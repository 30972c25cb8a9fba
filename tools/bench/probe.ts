import { createServer } from 'node:http';
import { join } from 'node:path';
import { getHeapSpaceStatistics, getHeapStatistics, writeHeapSnapshot } from 'node:v8';

// Preloaded (`node --import <compiled probe.js>`) into every server process a row measures, gateway and
// anchors alike, so that the bench can ask what holds the process's memory without the gateway knowing
// about the bench. With BENCH_PROBE_PORT unset it does nothing.
//   GET  /memory         process.memoryUsage() and V8's heap and per-space statistics, as JSON
//   POST /heap-snapshot  v8.writeHeapSnapshot() into BENCH_PROBE_DIR; answers the file's path
// Loopback only; the listening socket is unref'd so that it never keeps a stopping process alive.

const port = Number(process.env.BENCH_PROBE_PORT);
const directory = process.env.BENCH_PROBE_DIR;

function memoryReport(): string {
  const usage = process.memoryUsage();
  const heap = getHeapStatistics();
  const spaces = Object.fromEntries(
    getHeapSpaceStatistics().map((space) => [
      space.space_name,
      { size: space.space_size, used: space.space_used_size },
    ]),
  );
  return JSON.stringify({
    rss: usage.rss,
    heapTotal: usage.heapTotal,
    heapUsed: usage.heapUsed,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    mallocedMemory: heap.malloced_memory,
    heapSizeLimit: heap.heap_size_limit,
    spaces,
  });
}

if (Number.isInteger(port) && port > 0) {
  const server = createServer((req, res) => {
    req.resume();
    if (req.method === 'GET' && req.url === '/memory') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(memoryReport());
    } else if (req.method === 'POST' && req.url === '/heap-snapshot' && directory !== undefined) {
      const file = writeHeapSnapshot(join(directory, `${process.pid}-${Date.now()}.heapsnapshot`));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ file }));
    } else {
      res.writeHead(404).end();
    }
  });
  // The bench keeps its connection alive between samples; that socket must not hold the process up either.
  server.on('connection', (socket) => socket.unref());
  server.listen(port, '127.0.0.1');
  server.unref();
}
