import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { pino } from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { CampaignChannel, CampaignStatus, Provider } from '../../src/domain/campaign.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { descendingDecimal, descendingText, type IdOrder } from '../../src/pagination/order.js';
import { encodeGlobalId } from '../../src/schema/globalId.js';
import {
  ALTUR_STATUSES,
  type AlturCampaignRecord,
  type AlturSimulator,
  AURALYTIK_STATUSES,
  type AuralytikCampaignRecord,
  type AuralytikSimulator,
  generateAlturDataset,
  generateAuralytikDataset,
  startAlturSimulator,
  startAuralytikSimulator,
} from '../../tools/simulators/index.js';
import { NIMBUS_STATES, nimbusStateToDomain } from '../providers/nimbus/mapping.js';
import {
  generateNimbusDataset,
  type NimbusRecord,
  type NimbusSimulator,
  startNimbusSimulator,
} from '../providers/nimbus/simulator.js';
import { TEST_PROVIDER_MODULES } from '../providers/registry.js';
import {
  type Edge,
  expectExactlyOnce,
  expectedIds,
  type Filter,
  key,
  PAGE,
  type Page,
} from '../support/campaigns.js';

// Issue 14's proof: a third provider that lives only under test/ (its folder and its registry line) joins
// the merged connection through createGateway, configured by loadConfig from its own variables as main is,
// and the connection's promises hold over all three: exactly once under changes, newest first, filters, a
// failing provider, and node(id). About 600 lines because every property walks one world (three
// simulators, one gateway) through the same mutations and expectations; split, each part would restate it.

type GraphQLResponse<T> = {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  text: string;
};

let altur: AlturSimulator;
let auralytik: AuralytikSimulator;
let nimbus: NimbusSimulator;
let gateway: Gateway;
let server: Server;
let url: string;

beforeAll(async () => {
  altur = await startAlturSimulator({ rateLimit: false });
  auralytik = await startAuralytikSimulator();
  nimbus = await startNimbusSimulator();
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      ALTUR_API_KEY: altur.apiKey,
      ALTUR_BASE_URL: altur.url,
      ALTUR_RATE_LIMIT_PER_SECOND: '10000',
      AURALYTIK_API_KEY: auralytik.apiKey,
      AURALYTIK_BASE_URL: auralytik.url,
      AURALYTIK_RATE_LIMIT_PER_SECOND: '10000',
      NIMBUS_API_KEY: nimbus.apiKey,
      NIMBUS_BASE_URL: nimbus.url,
      NIMBUS_RATE_LIMIT_PER_SECOND: '10000',
      // Nothing polled and nothing cached: the walks count upstream calls and change data between pages.
      ALTUR_POLL_INTERVAL_MS: '0',
      AURALYTIK_POLL_INTERVAL_MS: '0',
      NIMBUS_POLL_INTERVAL_MS: '0',
      UPSTREAM_CACHE_MAX_BYTES: '0',
      CLIENT_RATE_LIMIT_PER_SECOND: '0',
    },
    TEST_PROVIDER_MODULES,
  );
  gateway = await createGateway(config, pino({ level: 'silent' }), {
    modules: TEST_PROVIDER_MODULES,
    // A failed page should fail fast, and the circuit stay closed, so that the page after a failure is the
    // one that recovers: the breaker has tests of its own.
    retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 20, budgetRatio: 0.2 },
    breaker: { consecutiveFailures: 1_000_000, halfOpenAfterMs: 100 },
  });
  server = createServer(gateway.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await gateway.close();
  await Promise.all([altur.close(), auralytik.close(), nimbus.close()]);
});

beforeEach(() => {
  altur.faults.clear();
  auralytik.faults.clear();
});

async function query<T>(
  document: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse<T>> {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query: document, variables }),
  });
  const text = await response.body.text();
  return {
    ...(JSON.parse(text) as Omit<GraphQLResponse<T>, 'status' | 'text'>),
    status: response.statusCode,
    text,
  };
}

async function page(variables: Record<string, unknown>): Promise<Page['campaigns']> {
  const response = await query<Page>(PAGE, variables);
  if (response.errors !== undefined || !response.data) throw new Error(`unexpected errors: ${response.text}`);
  return response.data.campaigns;
}

const PROVIDERS: readonly Provider[] = ['ALTUR', 'AURALYTIK', 'NIMBUS'];

/** A world of the three providers from one seed; Nimbus shares some seconds with the others, for ties across providers. */
function seed(counts: { altur: number; auralytik: number; nimbus: number }, seedValue: number) {
  altur.setDataset(
    generateAlturDataset({ count: counts.altur, seed: seedValue, tieEvery: 4 }).map((record) => ({
      ...record,
      archived: false,
    })),
  );
  auralytik.setDataset(
    generateAuralytikDataset({ count: counts.auralytik, seed: seedValue + 1, tieEvery: 4 }),
  );
  const others = [
    ...altur.dataset().map((record) => instantMs(record.created_at)),
    ...auralytik.dataset().map((record) => instantMs(record.createdAt)),
  ];
  nimbus.setDataset(
    generateNimbusDataset({ count: counts.nimbus, seed: seedValue + 2, tieEvery: 4, alsoAt: others }),
  );
}

function instantMs(instant: string): number {
  return Date.parse(instant.includes('T') ? instant : `${instant.replace(' ', 'T')}Z`);
}

/** The Nimbus campaigns a filter must return, from the simulator's records and Nimbus's planning as stated. */
function expectedNimbus(filter: Filter, records: readonly NimbusRecord[]): string[] {
  if (filter.providers !== undefined && !filter.providers.includes('NIMBUS')) return [];
  if (filter.channels !== undefined && !filter.channels.includes('VOICE')) return [];
  // Nimbus cannot bound its list by date, so a date filter leaves it out (see planNimbusQueries).
  if (filter.createdAfter !== undefined || filter.createdBefore !== undefined) return [];
  return records
    .filter(
      (record) => filter.status === undefined || filter.status.includes(nimbusStateToDomain(record.state)),
    )
    .map((record) => `NIMBUS:${record.id}`);
}

function expectedAll(filter: Filter): string[] {
  return [
    ...expectedIds(filter, altur.dataset(), auralytik.dataset()),
    ...expectedNimbus(filter, nimbus.dataset()),
  ].sort();
}

const TIE_ORDERS: Record<string, IdOrder> = {
  ALTUR: descendingDecimal,
  AURALYTIK: descendingText,
  NIMBUS: descendingDecimal,
};

/** Every campaign's creation instant (epoch ms) by key, read off the simulators. */
function creationInstants(): Map<string, number> {
  const createdAt = new Map<string, number>();
  for (const record of altur.dataset()) createdAt.set(`ALTUR:${record.id}`, instantMs(record.created_at));
  for (const record of auralytik.dataset())
    createdAt.set(`AURALYTIK:${record.id}`, instantMs(record.createdAt));
  for (const record of nimbus.dataset()) createdAt.set(`NIMBUS:${record.id}`, record.created * 1000);
  return createdAt;
}

const providerOf = (id: string) => id.slice(0, id.indexOf(':'));

/** The merged order, computed apart from the gateway: newest first, then provider, then its stated tie order. */
function mergedOrder(ids: readonly string[]): string[] {
  const createdAt = creationInstants();
  const split = (id: string) => ({
    provider: providerOf(id),
    providerId: id.slice(id.indexOf(':') + 1),
    ms: createdAt.get(id) ?? 0,
  });
  return [...ids].sort((one, other) => {
    const [a, b] = [split(one), split(other)];
    if (a.ms !== b.ms) return b.ms - a.ms;
    if (a.provider !== b.provider) return a.provider < b.provider ? -1 : 1;
    return (TIE_ORDERS[a.provider] ?? descendingText)(a.providerId, b.providerId);
  });
}

/** Neighbours in the merged order created in the same second by different providers. */
function countTiesAcrossProviders(order: readonly string[]): number {
  const createdAt = creationInstants();
  return order.filter((id, index) => {
    const before = order[index - 1];
    return (
      before !== undefined &&
      createdAt.get(before) === createdAt.get(id) &&
      providerOf(before) !== providerOf(id)
    );
  }).length;
}

const filterArbitrary: fc.Arbitrary<Filter> = fc.record(
  {
    providers: fc.subarray<Provider>([...PROVIDERS], { minLength: 1 }),
    status: fc.subarray<CampaignStatus>(
      ['PENDING', 'READY', 'RUNNING', 'PAUSED', 'COOLDOWN', 'COMPLETED', 'UNKNOWN'],
      { minLength: 1 },
    ),
    channels: fc.subarray<CampaignChannel>(['VOICE', 'WHATSAPP', 'OTHER'], { minLength: 1 }),
    createdAfter: fc.constantFrom('2024-06-01T00:00:00Z', '2025-06-01T00:00:00Z'),
  },
  { requiredKeys: [] },
);

type Mutation =
  | { kind: 'create'; provider: Provider }
  | { kind: 'tie'; provider: Provider; pick: number }
  | { kind: 'delete'; provider: Provider; pick: number }
  | { kind: 'status'; provider: Provider; pick: number; status: number };

function pickFrom<T>(records: readonly T[], pick: number): T | undefined {
  return records[pick % Math.max(1, records.length)];
}

/** Applies one change; returns the key of the campaign it touched, or null when there was nothing to touch. */
function apply(mutation: Mutation): string | null {
  const pick = mutation.kind === 'create' ? 0 : mutation.pick;
  if (mutation.provider === 'ALTUR') {
    const target: AlturCampaignRecord | undefined = pickFrom(altur.dataset(), pick);
    if (mutation.kind === 'create') return `ALTUR:${altur.createCampaign({ archived: false }).id}`;
    if (target === undefined) return null;
    if (mutation.kind === 'tie')
      return `ALTUR:${altur.createCampaign({ created_at: target.created_at, archived: false }).id}`;
    if (mutation.kind === 'delete') altur.deleteCampaign(target.id);
    else
      altur.updateCampaign(target.id, {
        status: ALTUR_STATUSES[mutation.status % ALTUR_STATUSES.length] ?? 'active',
      });
    return `ALTUR:${target.id}`;
  }
  if (mutation.provider === 'AURALYTIK') {
    const target: AuralytikCampaignRecord | undefined = pickFrom(auralytik.dataset(), pick);
    if (mutation.kind === 'create') return `AURALYTIK:${auralytik.createCampaign().id}`;
    if (target === undefined) return null;
    if (mutation.kind === 'tie')
      return `AURALYTIK:${auralytik.createCampaign({ createdAt: target.createdAt }).id}`;
    if (mutation.kind === 'delete') auralytik.deleteCampaign(target.id);
    else
      auralytik.updateCampaign(target.id, {
        status: AURALYTIK_STATUSES[mutation.status % AURALYTIK_STATUSES.length] ?? 'Running',
      });
    return `AURALYTIK:${target.id}`;
  }
  const target = pickFrom(nimbus.dataset(), pick);
  if (mutation.kind === 'create') return `NIMBUS:${nimbus.createCampaign().id}`;
  if (target === undefined) return null;
  if (mutation.kind === 'tie') {
    // Either side of the tie: a new highest id lists before the campaign, the lowest free one after it.
    const tie = nimbus.createTie(target.id, { below: mutation.pick % 2 === 0 });
    return tie === null ? null : `NIMBUS:${tie.id}`;
  }
  if (mutation.kind === 'delete') nimbus.deleteCampaign(target.id);
  else nimbus.setStatus(target.id, NIMBUS_STATES[mutation.status % NIMBUS_STATES.length] ?? 'live');
  return `NIMBUS:${target.id}`;
}

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), provider: fc.constantFrom(...PROVIDERS) }),
  fc.record({
    kind: fc.constantFrom('tie' as const, 'delete' as const),
    provider: fc.constantFrom(...PROVIDERS),
    pick: fc.nat(),
  }),
  fc.record({
    kind: fc.constant('status' as const),
    provider: fc.constantFrom(...PROVIDERS),
    pick: fc.nat(),
    status: fc.nat(),
  }),
);

/** Upstream list calls of the busiest stream (one upstream query, whatever its paging) since the last call. */
function callsPerStream(): number {
  const counts = new Map<string, number>();
  const count = (stream: string) => counts.set(stream, (counts.get(stream) ?? 0) + 1);
  for (const simulator of [altur, auralytik]) {
    for (const entry of simulator.requests.all({ route: 'list' })) {
      const params = new URLSearchParams(entry.query);
      for (const paging of ['page', 'pageSize', 'cursor', 'direction', 'dateFrom', 'dateTo'])
        params.delete(paging);
      params.sort();
      count(`${simulator.url} ${params}`);
    }
    simulator.requests.reset();
  }
  for (const entry of nimbus.requests.all()) {
    if (entry.route === 'list') count(`nimbus ${new URLSearchParams(entry.query).get('status')}`);
  }
  nimbus.requests.reset();
  return Math.max(0, ...counts.values());
}

interface Walk {
  direction: 'forward' | 'backward';
  size: number;
  filter: Filter;
  /** `changes[i]` is applied before page i + 1. */
  changes?: readonly (readonly Mutation[])[];
  /** The pages (0 first) during which Nimbus answers every request with 503. */
  nimbusDown?: ReadonlySet<number>;
}

/** Walks to the end, checking each page's errors: only a page during which Nimbus was down may have any. */
async function walk({ direction, size, filter, changes = [], nimbusDown = new Set() }: Walk) {
  const shown: Edge[] = [];
  const touched = new Set<string>();
  let cursor: string | null = null;
  let maxCallsPerStream = 0;
  let failedPages = 0;
  for (let index = 0; index < 400; index++) {
    for (const mutation of index > 0 ? (changes[index - 1] ?? []) : []) {
      const changed = apply(mutation);
      if (changed !== null) touched.add(changed);
    }
    callsPerStream();
    const recover = nimbusDown.has(index) ? nimbus.fail({ route: 'list' }) : null;
    const response: GraphQLResponse<Page> = await query<Page>(
      PAGE,
      direction === 'forward'
        ? { first: size, after: cursor, filter }
        : { last: size, before: cursor, filter },
    );
    recover?.();
    const result = response.data?.campaigns;
    if (!result) throw new Error(response.text);
    if (response.errors !== undefined) {
      expect(recover, `errors on a page with every provider up: ${response.text}`).not.toBeNull();
      expect(response.errors).toEqual([
        expect.objectContaining({
          path: ['campaigns'],
          message: expect.stringMatching(/^Nimbus: /),
          extensions: expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', provider: 'NIMBUS' }),
        }),
      ]);
      expect(result.edges.filter((edge) => edge.node.provider === 'NIMBUS')).toEqual([]);
      failedPages++;
    } else {
      maxCallsPerStream = Math.max(maxCallsPerStream, callsPerStream());
    }
    if (direction === 'forward') shown.push(...result.edges);
    else shown.unshift(...result.edges);
    const more = direction === 'forward' ? result.pageInfo.hasNextPage : result.pageInfo.hasPreviousPage;
    if (!more) return { shown, touched, maxCallsPerStream, failedPages };
    // Chained as a client would: an empty page of a failed provider stands where it was asked for.
    cursor = direction === 'forward' ? result.pageInfo.endCursor : result.pageInfo.startCursor;
  }
  throw new Error('the walk did not end');
}

const counts = fc.record({
  altur: fc.integer({ min: 0, max: 40 }),
  auralytik: fc.integer({ min: 0, max: 40 }),
  nimbus: fc.integer({ min: 0, max: 60 }),
});
const sizes = fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 100 }));
const directions = fc.constantFrom<'forward' | 'backward'>('forward', 'backward');

describe('campaigns over three providers, the third living only in the tests', () => {
  it('lists in the one merged order, newest first and ties by provider then its own tie order, both ways', async () => {
    let tiesAcrossProviders = 0;
    await fc.assert(
      fc.asyncProperty(counts, fc.integer({ min: 1, max: 10_000 }), sizes, async (sized, seedValue, size) => {
        seed(sized, seedValue);
        const expected = mergedOrder(expectedAll({}));
        tiesAcrossProviders += countTiesAcrossProviders(expected);
        const forward = await walk({ direction: 'forward', size, filter: {} });
        expect(forward.shown.map(key)).toEqual(expected);
        const backward = await walk({ direction: 'backward', size, filter: {} });
        expect(backward.shown.map(key)).toEqual(expected);
      }),
      { numRuns: 15 },
    );
    // The runs must have met the case the order is about, or the property proved little.
    expect(tiesAcrossProviders).toBeGreaterThan(0);
  }, 120_000);

  it('answers random filters exactly, with each provider planning its own streams', async () => {
    await fc.assert(
      fc.asyncProperty(
        counts,
        fc.integer({ min: 1, max: 10_000 }),
        filterArbitrary,
        sizes,
        directions,
        async (sized, seedValue, filter, size, direction) => {
          seed(sized, seedValue);
          const expected = mergedOrder(expectedAll(filter));
          const { shown } = await walk({ direction, size, filter });
          expect(shown.map(key)).toEqual(expected);
          const total = await page({ first: 1, filter });
          expect(total.totalCount).toBe(expected.length);
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);

  it('shows every campaign that stayed once and none twice, in random walks with random changes', async () => {
    let nimbusTouched = 0;
    await fc.assert(
      fc.asyncProperty(
        counts,
        fc.integer({ min: 1, max: 10_000 }),
        fc.constantFrom<Filter>(
          {},
          { status: ['RUNNING', 'PAUSED'] },
          { providers: ['NIMBUS', 'AURALYTIK'] },
          { channels: ['VOICE'] },
          { status: ['PENDING', 'COMPLETED'], providers: ['ALTUR', 'NIMBUS'] },
        ),
        sizes,
        directions,
        fc.array(fc.array(mutationArbitrary, { maxLength: 4 }), { maxLength: 40 }),
        async (sized, seedValue, filter, size, direction, changes) => {
          seed(sized, seedValue);
          const expected = expectedAll(filter);
          const { shown, touched, maxCallsPerStream } = await walk({ direction, size, filter, changes });
          nimbusTouched += [...touched].filter((id) => providerOf(id) === 'NIMBUS').length;
          expectExactlyOnce(shown, expected, touched);
          expect(maxCallsPerStream, 'upstream calls per stream per page').toBeLessThanOrEqual(3);
        },
      ),
      { numRuns: 40 },
    );
    expect(nimbusTouched).toBeGreaterThan(20);
  }, 180_000);

  it('loses nothing and repeats nothing while Nimbus fails on some pages, and shows the rest once it is back', async () => {
    let failed = 0;
    await fc.assert(
      fc.asyncProperty(
        counts,
        fc.integer({ min: 1, max: 10_000 }),
        fc.constantFrom<Filter>({}, { status: ['RUNNING', 'PAUSED'] }, { providers: ['NIMBUS', 'ALTUR'] }),
        sizes,
        directions,
        fc.uniqueArray(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.array(mutationArbitrary, { maxLength: 2 }), { maxLength: 20 }),
        async (sized, seedValue, filter, size, direction, down, changes) => {
          seed(sized, seedValue);
          const expected = expectedAll(filter);
          const { shown, touched, failedPages } = await walk({
            direction,
            size,
            filter,
            changes,
            nimbusDown: new Set(down),
          });
          failed += failedPages;
          expectExactlyOnce(shown, expected, touched, 'per provider');
        },
      ),
      { numRuns: 30 },
    );
    expect(failed).toBeGreaterThan(10);
  }, 180_000);

  it('fails a page for Nimbus alone, then resumes it where it stopped', async () => {
    seed({ altur: 30, auralytik: 30, nimbus: 30 }, 5);
    const expected = mergedOrder(expectedAll({}));
    const { shown, failedPages } = await walk({
      direction: 'forward',
      size: 10,
      filter: {},
      nimbusDown: new Set([1, 2]),
    });
    expect(failedPages).toBe(2);
    expect(shown.map(key).sort()).toEqual([...expected].sort());
  }, 30_000);

  // Found by the failure property above (fixed): an empty page of a failed provider had a null endCursor while
  // hasNextPage was true, so a client chaining `after: endCursor` started over. Its cursors are now the one
  // passed in.
  it('continues a walk chained by endCursor across an empty page of a failed provider', async () => {
    seed({ altur: 0, auralytik: 0, nimbus: 3 }, 1);
    const first = await page({ first: 1 });
    const recover = nimbus.fail({ route: 'list' });
    const failed = await query<Page>(PAGE, { first: 1, after: first.pageInfo.endCursor });
    recover();
    expect(failed.data?.campaigns.edges).toEqual([]);
    expect(failed.data?.campaigns.pageInfo.hasNextPage).toBe(true);
    const next = await page({ first: 1, after: failed.data?.campaigns.pageInfo.endCursor });
    expect(next.edges.map(key)).not.toEqual(first.edges.map(key));
  });

  it('resolves node(id) and campaign(id) of a NimbusCampaign global id, with its own fields', async () => {
    seed({ altur: 5, auralytik: 5, nimbus: 20 }, 9);
    const record = nimbus
      .dataset()
      .find((candidate) => candidate.owner !== null && candidate.priority !== null);
    if (record === undefined)
      throw new Error('the seed gave no Nimbus campaign with an owner and a priority');
    const id = encodeGlobalId('NimbusCampaign', String(record.id));
    nimbus.requests.reset();
    const response = await query<{
      node: Record<string, unknown> | null;
      campaign: { id: string } | null;
      absent: unknown;
    }>(
      `query ($id: ID!, $absent: ID!) {
        node(id: $id) {
          __typename id
          ... on Campaign { provider providerId name status providerStatus channel createdAt }
          ... on NimbusCampaign { owner priority }
        }
        campaign(id: $id) { id }
        absent: node(id: $absent) { id }
      }`,
      { id, absent: encodeGlobalId('NimbusCampaign', '999999999') },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      node: {
        __typename: 'NimbusCampaign',
        id,
        provider: 'NIMBUS',
        providerId: String(record.id),
        name: record.title,
        status: nimbusStateToDomain(record.state),
        providerStatus: record.state,
        channel: 'VOICE',
        createdAt: new Date(record.created * 1000).toISOString(),
        owner: record.owner,
        priority: record.priority,
      },
      campaign: { id },
      absent: null,
    });
    // Two distinct ids: the repeated one is looked up once.
    expect(nimbus.requests.count('detail')).toBe(2);

    const listed = await page({ first: 50, filter: { providers: ['NIMBUS'] } });
    const first = listed.edges[0]?.node;
    expect(first?.id).toBe(encodeGlobalId('NimbusCampaign', first?.providerId ?? ''));
  });

  it('leaves out a Nimbus item that fails validation and names it, serving the rest of the page', async () => {
    seed({ altur: 5, auralytik: 5, nimbus: 10 }, 3);
    const [bad] = [...nimbus.dataset()].sort((a, b) => b.created - a.created || b.id - a.id);
    if (bad === undefined) throw new Error('no Nimbus campaign');
    nimbus.corrupt(bad.id, { created: 'yesterday' });
    const response = await query<Page>(PAGE, { first: 100 });
    const keys = response.data?.campaigns.edges.map(key) ?? [];
    expect(keys).not.toContain(`NIMBUS:${bad.id}`);
    expect(keys.filter((id) => providerOf(id) === 'NIMBUS')).toHaveLength(9);
    expect(response.errors).toEqual([
      expect.objectContaining({
        path: ['campaigns'],
        message: `Nimbus: sent campaign ${bad.id} with an invalid field \`items[0].created\` (expected epoch seconds); it was left out of the result.`,
        extensions: { code: 'UPSTREAM_BAD_RESPONSE', provider: 'NIMBUS' },
      }),
    ]);
  });

  it('refuses a NimbusCampaign id that cannot be a Nimbus id before calling Nimbus', async () => {
    nimbus.requests.reset();
    const response = await query('query ($id: ID!) { node(id: $id) { id } }', {
      id: encodeGlobalId('NimbusCampaign', 'camp_1'),
    });
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(nimbus.requests.count()).toBe(0);
  });
});
