import { z } from 'zod';
import type { HttpRequestSpec, LoadSpec } from './load.js';
import { CLIENT_KEY, type SimulatorsInfo } from './processes.js';
import {
  alturListQuery,
  auralytikListQuery,
  campaignsBodies,
  LOOKUPS,
  lookupSets,
  nodesBodies,
  PAGE,
  type ProviderName,
} from './traffic.js';

// The rows of the table: what each sends, to which process, and how one answer is checked before the row
// is timed. The measuring is measure.ts's, the table report.ts's.

/** The process a row measures. */
/**
 * `gatewayUncached`: the shared upstream cache off, for the lookups row, whose few dozen id sets repeat
 * within one freshness period at its rate and would otherwise measure cache hits instead of lookups.
 */
export type Target = 'simulators' | 'floor' | 'yogaJit' | 'gateway' | 'gatewayUncached' | 'gatewayCache';
/** What one request asks for. */
export type Workload = 'alturPage' | 'auralytikPage' | 'single' | 'merged' | 'nodes';
export type Group = 'headline' | 'latency' | 'coalescing';
export type Traffic = 'varied' | 'identical';

export interface RowSpec {
  id: string;
  label: string;
  group: Group;
  target: Target;
  workload: Workload;
  traffic: Traffic;
  /** `loaded`: the run's connections (10 by default). */
  concurrency: 'loaded' | 1;
  /** An anchor row: the others' ratios are taken against it. */
  anchor?: 'floor' | 'yogaJit';
}

/** Upstream calls one request needs when nothing is shared: one per stream, one per looked-up id. */
export const CALLS_PER_REQUEST: Readonly<Record<Workload, number>> = {
  alturPage: 1,
  auralytikPage: 1,
  single: 1,
  merged: 2,
  nodes: LOOKUPS,
};

const ONE = `campaigns(first: ${PAGE})`;

export const ROWS: readonly RowSpec[] = [
  row('a', 'upstream alone: direct GET of the Altur page (100 campaigns) from the simulator', {
    target: 'simulators',
    workload: 'alturPage',
  }),
  row(
    'floor-1',
    'anchor, floor, one provider: node http + undici, the Altur page parsed and rendered with JSON.stringify, no GraphQL',
    { target: 'floor', workload: 'single', anchor: 'floor' },
  ),
  row(
    'jit-1',
    'anchor, plain graphql-yoga + graphql-jit: one resolver, one undici call (the Altur page), 100 items',
    { target: 'yogaJit', workload: 'single', anchor: 'yogaJit' },
  ),
  row('c', `**this gateway: ${ONE}, Altur only**`, { target: 'gateway', workload: 'single' }),
  row(
    'floor-2',
    'anchor, floor, merged: both pages fetched, parsed, merged newest first, rendered with JSON.stringify',
    { target: 'floor', workload: 'merged', anchor: 'floor' },
  ),
  row('d', `**this gateway: ${ONE}, both providers merged**`, { target: 'gateway', workload: 'merged' }),
  row(
    'e',
    `this gateway: nodes(ids: ${LOOKUPS} ids), ${LOOKUPS / 2} per provider, shared upstream cache off`,
    {
      target: 'gatewayUncached',
      workload: 'nodes',
    },
  ),
  row('a-altur@1', 'direct GET of the Altur page', {
    target: 'simulators',
    workload: 'alturPage',
    one: true,
  }),
  row('a-auralytik@1', 'direct GET of the Auralytik page', {
    target: 'simulators',
    workload: 'auralytikPage',
    one: true,
  }),
  row('floor-2@1', 'anchor, floor, merged', {
    target: 'floor',
    workload: 'merged',
    anchor: 'floor',
    one: true,
  }),
  row('c@1', `this gateway: ${ONE}, Altur only`, { target: 'gateway', workload: 'single', one: true }),
  row('d@1', `this gateway: ${ONE}, merged`, { target: 'gateway', workload: 'merged', one: true }),
  row('c-co', `coalescing: this gateway, ${ONE}, Altur only, every request identical`, {
    target: 'gateway',
    workload: 'single',
    identical: true,
  }),
  row('d-co', `coalescing: this gateway, ${ONE}, merged, every request identical`, {
    target: 'gateway',
    workload: 'merged',
    identical: true,
  }),
  row('e-co', `coalescing: this gateway, nodes(ids: ${LOOKUPS} ids), every request identical`, {
    target: 'gateway',
    workload: 'nodes',
    identical: true,
  }),
  row('f-d', `coalescing: this gateway, ${ONE}, merged, identical, response cache on (TTL 5 s)`, {
    target: 'gatewayCache',
    workload: 'merged',
    identical: true,
  }),
];

function row(
  id: string,
  label: string,
  options: {
    target: Target;
    workload: Workload;
    anchor?: 'floor' | 'yogaJit';
    one?: boolean;
    identical?: boolean;
  },
): RowSpec {
  const spec: RowSpec = {
    id,
    label,
    group: options.identical === true ? 'coalescing' : options.one === true ? 'latency' : 'headline',
    target: options.target,
    workload: options.workload,
    traffic: options.identical === true ? 'identical' : 'varied',
    concurrency: options.one === true ? 1 : 'loaded',
  };
  if (options.anchor !== undefined) spec.anchor = options.anchor;
  return spec;
}

export const ROW_IDS: readonly string[] = ROWS.map((spec) => spec.id);

/** What a row's requests need besides its server: the varied values and the lookup ids. */
export interface TrafficData {
  simulators: SimulatorsInfo;
  instants: readonly string[];
  /** Disjoint id sets for `nodes`, from the gateway's own listing. */
  lookupSets: readonly (readonly string[])[];
}

function graphqlLoad(serverUrl: string, bodies: readonly string[]): LoadSpec {
  return {
    method: 'POST',
    origin: serverUrl,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
    variants: bodies.map((body) => ({ path: '/graphql', body })),
  };
}

function pageLoad(base: string, authorization: string, queries: readonly string[]): LoadSpec {
  const url = new URL(base);
  const path = `${url.pathname.replace(/\/+$/, '')}/campaigns?`;
  return {
    method: 'GET',
    origin: url.origin,
    headers: { authorization },
    variants: queries.map((query) => ({ path: path + query })),
  };
}

/** The requests of a row: every varied value in turn, or the first one only for identical traffic. */
export function loadFor(spec: RowSpec, serverUrl: string, data: TrafficData): LoadSpec {
  const instants = spec.traffic === 'varied' ? data.instants : data.instants.slice(0, 1);
  const { altur, auralytik } = data.simulators;
  switch (spec.workload) {
    case 'alturPage':
      return pageLoad(altur.url, `api-key ${altur.apiKey}`, instants.map(alturListQuery));
    case 'auralytikPage':
      return pageLoad(auralytik.url, `Bearer ${auralytik.apiKey}`, instants.map(auralytikListQuery));
    case 'single':
      return graphqlLoad(serverUrl, campaignsBodies(instants, ['ALTUR']));
    case 'merged':
      return graphqlLoad(serverUrl, campaignsBodies(instants, null));
    case 'nodes': {
      const sets = spec.traffic === 'varied' ? data.lookupSets : data.lookupSets.slice(0, 1);
      return graphqlLoad(serverUrl, nodesBodies(sets));
    }
  }
}

// ---- checks -------------------------------------------------------------------------------------------

export type Check = (request: HttpRequestSpec) => Promise<string | null>;

export async function send(request: HttpRequestSpec): Promise<{ status: number; json: unknown }> {
  const init: RequestInit = { method: request.method, headers: request.headers };
  if (request.body !== undefined) init.body = request.body;
  const response = await fetch(request.url, init);
  const text = await response.text();
  try {
    return { status: response.status, json: JSON.parse(text) };
  } catch {
    return { status: response.status, json: text.slice(0, 200) };
  }
}

const graphqlErrors = z.object({ errors: z.array(z.object({ message: z.string() })).optional() });
const campaignsData = z.object({
  data: z.object({
    campaigns: z.object({
      edges: z.array(z.object({ node: z.object({ id: z.string() }) })),
      pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }).optional(),
    }),
  }),
});
const nodesData = z.object({ data: z.object({ nodes: z.array(z.object({ id: z.string() }).nullable()) }) });
const pageLists = z.union([
  z.object({ campaigns: z.array(z.unknown()) }).transform((page) => page.campaigns),
  z.object({ data: z.array(z.unknown()) }).transform((page) => page.data),
]);

/** The type name inside a global id (base64url of `Type:providerId`). */
function typeOfGlobalId(id: string): string {
  return Buffer.from(id, 'base64url').toString('utf8').split(':')[0] ?? '';
}

function graphqlProblem(status: number, json: unknown): string | null {
  const errors = graphqlErrors.safeParse(json);
  if (errors.success && errors.data.errors !== undefined && errors.data.errors.length > 0) {
    return `errors: ${errors.data.errors.map((error) => error.message).join('; ')}`.slice(0, 300);
  }
  if (status !== 200) return `HTTP ${status}: ${JSON.stringify(json).slice(0, 200)}`;
  return null;
}

async function checkPage(request: HttpRequestSpec): Promise<string | null> {
  const { status, json } = await send(request);
  if (status !== 200) return `HTTP ${status}: ${JSON.stringify(json).slice(0, 200)}`;
  const list = pageLists.safeParse(json);
  if (!list.success) return 'not a provider list page';
  return list.data.length === PAGE ? null : `${list.data.length} campaigns, not ${PAGE}`;
}

function checkCampaigns(types: readonly string[]): Check {
  return async (request) => {
    const { status, json } = await send(request);
    const problem = graphqlProblem(status, json);
    if (problem !== null) return problem;
    const parsed = campaignsData.safeParse(json);
    if (!parsed.success) return 'no campaigns connection in the answer';
    const { edges } = parsed.data.data.campaigns;
    if (edges.length !== PAGE) return `${edges.length} edges, not ${PAGE}`;
    const seen = new Set(edges.map((edge) => typeOfGlobalId(edge.node.id)));
    const missing = types.filter((type) => !seen.has(type));
    const extra = [...seen].filter((type) => !types.includes(type));
    if (missing.length > 0) return `no ${missing.join(', ')} in the page`;
    return extra.length > 0 ? `unexpected ${extra.join(', ')} in the page` : null;
  };
}

async function checkNodes(request: HttpRequestSpec): Promise<string | null> {
  const { status, json } = await send(request);
  const problem = graphqlProblem(status, json);
  if (problem !== null) return problem;
  const parsed = nodesData.safeParse(json);
  if (!parsed.success) return 'no nodes list in the answer';
  const found = parsed.data.data.nodes.filter((node) => node !== null).length;
  return found === LOOKUPS ? null : `${found} of ${LOOKUPS} nodes found`;
}

export function checkFor(spec: RowSpec): Check {
  switch (spec.workload) {
    case 'alturPage':
    case 'auralytikPage':
      return checkPage;
    case 'single':
      return checkCampaigns(['AlturCampaign']);
    case 'merged':
      return checkCampaigns(['AlturCampaign', 'AuralytikCampaign']);
    case 'nodes':
      return checkNodes;
  }
}

/**
 * Every id of a provider's unfiltered list, newest first, read page by page through the gateway (so the
 * lookups use ids the gateway issued). Bounded: at most `maxPages` pages.
 */
export async function listIds(gatewayUrl: string, provider: ProviderName, maxPages = 50): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const query = `query Ids($after: String) { campaigns(first: ${PAGE}, after: $after, filter: { providers: [${provider}] }) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`;
    const { status, json } = await send(
      graphqlLoadRequest(gatewayUrl, JSON.stringify({ query, variables: { after } })),
    );
    const parsed = campaignsData.safeParse(json);
    if (!parsed.success) {
      throw new Error(
        `could not list ${provider} ids: ${graphqlProblem(status, json) ?? 'unexpected answer'}`,
      );
    }
    const { edges, pageInfo } = parsed.data.data.campaigns;
    ids.push(...edges.map((edge) => edge.node.id));
    if (pageInfo === undefined || !pageInfo.hasNextPage || pageInfo.endCursor === null) break;
    after = pageInfo.endCursor;
  }
  return ids;
}

function graphqlLoadRequest(serverUrl: string, body: string): HttpRequestSpec {
  return {
    method: 'POST',
    url: `${serverUrl}/graphql`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
    body,
  };
}

export async function lookupSetsFrom(gatewayUrl: string): Promise<string[][]> {
  const [altur, auralytik] = await Promise.all([
    listIds(gatewayUrl, 'ALTUR'),
    listIds(gatewayUrl, 'AURALYTIK'),
  ]);
  return lookupSets({ ALTUR: altur, AURALYTIK: auralytik });
}
