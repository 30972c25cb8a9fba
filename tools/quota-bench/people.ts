import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { z } from 'zod';
import { mulberry32 } from '../simulators/data.js';
import { campaignKey } from './report.js';

// Simulated people: each walks the merged `campaigns` connection a page at a time with think time, as a
// person in a frontend would, rather than as fast as possible. That is the workload of issue 12: many
// people, few distinct upstream requests, so what matters is how much they share.

export const PAGE_QUERY = /* GraphQL */ `
  query QuotaBenchPage($first: Int!, $after: String, $filter: CampaignFilter) {
    campaigns(first: $first, after: $after, filter: $filter) {
      edges { node { id provider providerId name status createdAt } }
      pageInfo { endCursor hasNextPage }
    }
  }
`;

/** The three filters people use, one each, in turn: everything, running ones, one provider. */
export const FILTERS: readonly Record<string, unknown>[] = [
  {},
  { status: ['RUNNING'] },
  { providers: ['ALTUR'] },
];

export const PAGE_SIZE = 25;
export const PAGES_PER_WALK = 4;

const pageResponseSchema = z.object({
  data: z
    .object({
      campaigns: z
        .object({
          edges: z.array(z.object({ node: z.object({ provider: z.string(), providerId: z.string() }) })),
          pageInfo: z.object({ endCursor: z.string().nullable(), hasNextPage: z.boolean() }),
        })
        .nullable(),
    })
    .nullable()
    .optional(),
  errors: z.array(z.object({ extensions: z.object({ code: z.string().optional() }).optional() })).optional(),
});

export interface PageSample {
  /** performance.now() when the request was sent. */
  sentAt: number;
  latencyMs: number;
  /** Empty for a page without error; else the codes of its errors (one per error). */
  errorCodes: string[];
}

export interface PeopleOptions {
  /** One origin per replica (`http://127.0.0.1:PORT`); requests go round-robin over them. */
  origins: readonly string[];
  people: number;
  seconds: number;
  /** Mean think time between a response and the next request; each wait is uniform in ±25 % of it. */
  thinkMs: number;
  /** Seeds the jitter, so two runs make the same sequence of waits. */
  seed: number;
}

export interface PeopleResult {
  samples: PageSample[];
  /** campaignKey -> Date.now() of the first first-page response that showed the campaign. */
  firstSeen: Map<string, number>;
  /** Date.now() when the measured window ended (no request is sent after it). */
  endedAt: number;
}

/** Seeded jitter (the simulators' PRNG): Math.random would make runs unrepeatable. */
export const seededRandom = mulberry32;

/** Per-request bound: past it the page is an error (`CLIENT_TIMEOUT`) and the person starts over. */
const REQUEST_TIMEOUT_MS = 30_000;

export async function runPeople(options: PeopleOptions): Promise<PeopleResult> {
  const pools = options.origins.map(
    (origin) =>
      new Pool(origin, {
        // One connection per person at most: a page never waits for a socket in the client, so the
        // latency measured is the gateway's.
        connections: options.people,
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS,
        keepAliveTimeout: 30_000,
      }),
  );
  const random = seededRandom(options.seed);
  const samples: PageSample[] = [];
  const firstSeen = new Map<string, number>();
  const deadline = performance.now() + options.seconds * 1000;
  let next = 0;

  const fetchPage = async (
    filter: Record<string, unknown>,
    after: string | null,
  ): Promise<{ sample: PageSample; endCursor: string | null; hasNextPage: boolean }> => {
    const pool = pools[next++ % pools.length];
    if (pool === undefined) throw new Error('no gateway origin');
    const sentAt = performance.now();
    const errorCodes: string[] = [];
    let endCursor: string | null = null;
    let hasNextPage = false;
    try {
      const response = await pool.request({
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query: PAGE_QUERY, variables: { first: PAGE_SIZE, after, filter } }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.body.text();
      const receivedAt = Date.now();
      const parsed = pageResponseSchema.safeParse(safeJson(text));
      if (!parsed.success) {
        errorCodes.push(`HTTP_${response.statusCode}_NOT_GRAPHQL`);
      } else {
        for (const error of parsed.data.errors ?? []) errorCodes.push(error.extensions?.code ?? 'NO_CODE');
        if (response.statusCode !== 200 && errorCodes.length === 0)
          errorCodes.push(`HTTP_${response.statusCode}`);
        const connection = parsed.data.data?.campaigns ?? null;
        if (connection === null) {
          if (errorCodes.length === 0) errorCodes.push('NO_DATA');
        } else {
          endCursor = connection.pageInfo.endCursor;
          hasNextPage = connection.pageInfo.hasNextPage;
          // Freshness is about the head of the list, so only first pages count as having shown it.
          if (after === null) {
            for (const edge of connection.edges) {
              const key = campaignKey(edge.node.provider, edge.node.providerId);
              if (!firstSeen.has(key)) firstSeen.set(key, receivedAt);
            }
          }
        }
      }
    } catch (error) {
      errorCodes.push(clientErrorCode(error));
    }
    return { sample: { sentAt, latencyMs: performance.now() - sentAt, errorCodes }, endCursor, hasNextPage };
  };

  const think = async (): Promise<void> => {
    const wait = options.thinkMs * (0.75 + 0.5 * random());
    await sleep(Math.max(0, Math.min(wait, deadline - performance.now())));
  };

  const person = async (index: number): Promise<void> => {
    const filter = FILTERS[index % FILTERS.length] ?? {};
    // People arrive spread over one think time, not all in the same millisecond.
    await sleep(options.thinkMs * random());
    let after: string | null = null;
    let page = 1;
    // Bounded by the deadline: every pass either sends a request (bounded by its timeout) or exits.
    while (performance.now() < deadline) {
      const result = await fetchPage(filter, after);
      samples.push(result.sample);
      if (page < PAGES_PER_WALK && result.hasNextPage && result.endCursor !== null) {
        after = result.endCursor;
        page += 1;
      } else {
        after = null;
        page = 1;
      }
      await think();
    }
  };

  try {
    await Promise.all(Array.from({ length: options.people }, (_, index) => person(index)));
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
  }
  const endedAt = Date.now() - Math.max(0, performance.now() - deadline);
  return { samples, firstSeen, endedAt };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function clientErrorCode(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'CLIENT_TIMEOUT';
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return `CLIENT_${error.code}`;
  }
  return 'CLIENT_ERROR';
}
