import { type DeferredMember, deferredValuesOf } from '../../src/http/deferredMembers.js';
import { parseJsonBody } from '../../src/http/responseBody.js';
import { ALTUR_DEFERRED_MEMBER, mapAlturItems } from '../../src/providers/altur/mapping.js';
import { startSimulators } from '../simulators/index.js';

// A probe, not part of `npm run bench`: what reading one Altur list page costs the gateway, with its
// `scheduling` values deferred (src/http/deferredMembers.ts) and parsed whole. The page is the bench's:
// Altur's simulator, 100 campaigns, about 108 KB, 42 KB of it `scheduling`. Each timing is parse and map,
// as the Altur client reads a page. Batches of both alternate, because this machine's speed changes from
// one second to the next; the minimum and median of the batches are printed.
//   npx tsx tools/bench/parse-probe.ts [batches] [pages a batch]   (default 60, 100)

const batches = Number(process.argv[2] ?? 60);
const pagesPerBatch = Number(process.argv[3] ?? 100);

const simulators = await startSimulators({
  altur: { port: 0, count: 400, seed: 20_251_003 },
  auralytik: { port: 0, count: 10, seed: 1 },
});
const response = await fetch(`${simulators.altur.url}/campaigns?pageSize=100`, {
  headers: { authorization: `api-key ${simulators.altur.apiKey}` },
});
const bytes = Buffer.from(await response.arrayBuffer());
await simulators.close();

function readPage(member: DeferredMember | undefined): number {
  const body = parseJsonBody(bytes, member) as { campaigns: unknown[] };
  return mapAlturItems(body.campaigns, null, deferredValuesOf(body)).campaigns.length;
}

const deferredValues = deferredValuesOf(parseJsonBody(bytes, ALTUR_DEFERRED_MEMBER));
if (deferredValues === undefined) throw new Error('the page was not read with its schedules deferred');
console.log(`page: ${bytes.length} bytes; ${batches} batches of ${pagesPerBatch} pages each way`);

const timings: Record<'whole' | 'deferred', number[]> = { whole: [], deferred: [] };
let mapped = 0;
for (let batch = 0; batch < batches; batch++) {
  const order: ('whole' | 'deferred')[] = batch % 2 === 0 ? ['whole', 'deferred'] : ['deferred', 'whole'];
  for (const way of order) {
    const started = process.hrtime.bigint();
    for (let page = 0; page < pagesPerBatch; page++)
      mapped += readPage(way === 'whole' ? undefined : ALTUR_DEFERRED_MEMBER);
    timings[way].push(Number(process.hrtime.bigint() - started) / pagesPerBatch / 1_000);
  }
}
for (const [way, micros] of Object.entries(timings)) {
  micros.sort((a, b) => a - b);
  const median = micros[Math.floor(micros.length / 2)] ?? Number.NaN;
  console.log(
    `${way}: min ${micros[0]?.toFixed(0)} µs, median ${median.toFixed(0)} µs a page (parse and map)`,
  );
}
if (mapped === 0) throw new Error('no campaign mapped');
