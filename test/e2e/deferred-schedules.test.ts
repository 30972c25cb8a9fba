import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_JSON_MIN_BYTES } from '../../src/http/jsonBody.js';
import { alturSchedule, mapAlturItemWithZod } from '../../src/providers/altur/mapping.js';
import { type Harness, startHarness } from '../support/harness.js';

// A list page of Altur's leaves each item's `scheduling` as text until `schedule` is selected
// (src/http/deferredMembers.ts). Here the schedules a page of 100 shows are checked against the same
// items fetched straight from the simulator and mapped by the zod path, which parses everything. The
// check runs once through the transport alone and once through the shared upstream cache, which parses
// the bytes it holds.

const DAY = 'active startTime endTime';
const QUERY = `query Schedules($after: String) {
  campaigns(first: 100, after: $after, filter: { providers: [ALTUR] }) {
    edges { node { providerId ... on AlturCampaign { schedule {
      monday { ${DAY} } tuesday { ${DAY} } wednesday { ${DAY} } thursday { ${DAY} }
      friday { ${DAY} } saturday { ${DAY} } sunday { ${DAY} }
    } } } }
  }
}`;

interface SchedulesData {
  campaigns: { edges: { node: { providerId: string; schedule: unknown } }[] };
}

/** Each campaign's schedule as the zod path maps the simulator's own list, which is not deferred. */
async function expectedSchedules(harness: Harness): Promise<Map<string, unknown>> {
  const schedules = new Map<string, unknown>();
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const response = await request(`${harness.altur.url}/campaigns?pageSize=100${query}`, {
      headers: { authorization: `api-key ${harness.altur.apiKey}` },
    });
    const body = (await response.body.json()) as {
      campaigns: unknown[];
      pagination: { next_cursor: string | null };
    };
    for (const item of body.campaigns) {
      const mapped = mapAlturItemWithZod(item, null);
      if (mapped.ok) schedules.set(mapped.campaign.providerId, alturSchedule(mapped.campaign));
    }
    cursor = body.pagination.next_cursor;
  } while (cursor !== null);
  return schedules;
}

/** How many bytes the simulator answers to the list GETs the gateway sent: the deferral runs above 32 KB. */
async function sizesOfListsSent(harness: Harness): Promise<number[]> {
  const sizes: number[] = [];
  for (const sent of harness.altur.requests.all({ route: 'list', status: 200 })) {
    const response = await request(`${harness.altur.url}/campaigns?${sent.query}`, {
      headers: { authorization: `api-key ${harness.altur.apiKey}` },
    });
    sizes.push((await response.body.arrayBuffer()).byteLength);
  }
  return sizes;
}

describe.each([
  ['through the transport', undefined],
  [
    'through the shared upstream cache',
    { freshMs: 60_000, staleWhileRevalidateMs: 0, staleIfErrorMs: 60_000 },
  ],
])('deferred schedules, %s', (_how, upstreamCache) => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      altur: { count: 260, seed: 20_251_003, rateLimit: false },
      ...(upstreamCache === undefined ? {} : { upstreamCache }),
    });
  });
  afterAll(() => harness.close());

  it('shows every schedule of a page of 100 as the provider sent it', async () => {
    const expected = await expectedSchedules(harness);
    // Twice: the second read of a cached page parses the bytes the cache holds.
    for (let round = 0; round < 2; round++) {
      const response = await harness.query<SchedulesData>(QUERY);
      expect(response.errors).toBeUndefined();
      const edges = response.data?.campaigns.edges ?? [];
      expect(edges).toHaveLength(100);
      for (const { node } of edges) {
        expect(expected.has(node.providerId)).toBe(true);
        expect(node.schedule).toStrictEqual(expected.get(node.providerId));
      }
      expect(edges.some(({ node }) => node.schedule !== null)).toBe(true);
    }
    const sizes = await sizesOfListsSent(harness);
    expect(sizes.length).toBeGreaterThan(0);
    expect(Math.max(...sizes)).toBeGreaterThan(FAST_JSON_MIN_BYTES);
  });
});
