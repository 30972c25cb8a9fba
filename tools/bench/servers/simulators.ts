import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeOnStopSignal } from '../../scripts/stopSignals.js';
import { type RequestLog, startSimulators } from '../../simulators/index.js';
import { alturListQuery, auralytikListQuery, INSTANTS, PAGE, spreadInstants } from '../traffic.js';

// The providers for `npm run bench`, in a process of their own so their CPU is measured apart from the
// gateway's. Their rate limits are off: the bench measures the gateway, not the providers' quotas. Pages are
// memoised by the simulators already, so a repeated page costs a lookup and a write.
// stdout carries exactly one JSON line: both providers' URLs and keys, the stats URL, and the `createdBefore`
// instants the varied rows cycle through (computed here, where the datasets are).

/**
 * Enough of both providers that a `first: 100` page is full from each at every one of the varied instants,
 * and that 50-id lookups come in a few dozen disjoint sets (see traffic.ts).
 */
const DATASET_SIZE = 1000;

interface Tally {
  list: number;
  detail: number;
  other: number;
  /** Answers outside 2xx, and requests left unanswered. */
  non2xx: number;
}

const simulators = await startSimulators({
  altur: { count: DATASET_SIZE, rateLimit: false },
  auralytik: { count: DATASET_SIZE, rateLimit: false },
});

const tallies = {
  altur: emptyTally(),
  auralytik: emptyTally(),
};

function emptyTally(): Tally {
  return { list: 0, detail: 0, other: 0, non2xx: 0 };
}

/**
 * The request logs keep every request with its URL, which at tens of thousands of requests a second would
 * grow the heap (and GC work) for the whole run; folding them into counters keeps the counts exact and the
 * heap flat. Requests are answered in the tick they arrive (no faults here), so each has its status by now.
 */
function fold(log: RequestLog, tally: Tally): void {
  for (const entry of log.all()) {
    tally[entry.route] += 1;
    if (entry.status === null || entry.status < 200 || entry.status >= 300) tally.non2xx += 1;
  }
  log.reset();
}

function foldAll(): void {
  fold(simulators.altur.requests, tallies.altur);
  fold(simulators.auralytik.requests, tallies.auralytik);
}

const folding = setInterval(foldAll, 200);

const stats = createServer((req, res) => {
  req.resume();
  foldAll();
  if (req.method === 'POST' && req.url === '/__stats/reset') {
    tallies.altur = emptyTally();
    tallies.auralytik = emptyTally();
    res.writeHead(204).end();
  } else if (req.method === 'GET' && req.url === '/__stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(tallies));
  } else {
    res.writeHead(404).end();
  }
});
await new Promise<void>((resolve) => stats.listen(0, '127.0.0.1', resolve));

// Archived Altur campaigns are listed only on request, so they do not count towards a full page.
const instants = spreadInstants(
  {
    ALTUR: simulators.altur
      .dataset()
      .filter((record) => !record.archived)
      .map((record) => Date.parse(record.created_at)),
    AURALYTIK: simulators.auralytik.dataset().map((record) => Date.parse(record.createdAt)),
  },
  INSTANTS,
  PAGE,
);

/**
 * Every page a varied row asks for, requested once now: the simulators memoise answers, so each row then
 * measures a lookup upstream whatever its warm-up covered, not the first rendering of a page (which would
 * also compete with the process under test for the CPUs). The dataset of lookups (details) is small enough
 * for the warm-up to cover.
 */
async function memoiseListPages(): Promise<void> {
  const get = async (url: string, authorization: string) => {
    const response = await fetch(url, { headers: { authorization } });
    await response.arrayBuffer();
  };
  for (const instant of instants) {
    await get(
      `${simulators.altur.url}/campaigns?${alturListQuery(instant)}`,
      `api-key ${simulators.altur.apiKey}`,
    );
    await get(
      `${simulators.auralytik.url}/campaigns?${auralytikListQuery(instant)}`,
      `Bearer ${simulators.auralytik.apiKey}`,
    );
  }
}
await memoiseListPages();

process.stdout.write(
  `${JSON.stringify({
    instants,
    altur: { url: simulators.altur.url, apiKey: simulators.altur.apiKey },
    auralytik: { url: simulators.auralytik.url, apiKey: simulators.auralytik.apiKey },
    statsUrl: `http://127.0.0.1:${(stats.address() as AddressInfo).port}/__stats`,
  })}\n`,
);

closeOnStopSignal(async () => {
  clearInterval(folding);
  stats.close();
  stats.closeAllConnections();
  await simulators.close();
});
