// What the load looks like: one GraphQL document per workload and the variables that vary from one request
// to the next. Real clients (Apollo Client, Relay) send one document with other variables each time, so the
// headline rows do too; the identical-request rows keep a single variables value and are labelled coalescing.

/** Campaigns a page asks for: the headline is `first: 100`. */
export const PAGE = 100;
/** Ids one `nodes` request looks up, half from each provider. */
export const LOOKUPS = 50;
/** Distinct `createdBefore` values the varied rows cycle through. */
export const INSTANTS = 400;

const CAMPAIGN_FIELDS = 'id name status channel createdAt';

/** The one document of every campaigns row, gateway and anchors alike; only its variables change. */
export const CAMPAIGNS_DOCUMENT =
  `query Bench($filter: CampaignFilter) { campaigns(first: ${PAGE}, filter: $filter) ` +
  `{ edges { node { ${CAMPAIGN_FIELDS} } } pageInfo { hasNextPage endCursor } } }`;

export const NODES_DOCUMENT = `query Bench($ids: [ID!]!) { nodes(ids: $ids) { id ... on Campaign { ${CAMPAIGN_FIELDS} } } }`;

export type ProviderName = 'ALTUR' | 'AURALYTIK';

/**
 * `count` instants, whole seconds, evenly spread from the newest campaign both providers have down to the
 * newest instant at which each provider still has `depth` campaigns at or before it. So every page of
 * `first: depth` is full from each provider, and each instant is a different upstream query. Newest first,
 * distinct, as `toISOString()` gives them (the form the gateway sends upstream).
 */
export function spreadInstants(
  createdMs: Readonly<Record<ProviderName, readonly number[]>>,
  count: number,
  depth: number,
): string[] {
  const sorted = Object.values(createdMs).map((list) => [...list].sort((a, b) => b - a));
  if (sorted.some((list) => list.length < depth)) {
    throw new RangeError(`every provider needs at least ${depth} campaigns for full pages`);
  }
  // The newest instant both providers have reached, and the oldest at which both still have `depth` left.
  const upper = Math.min(...sorted.map((list) => list[0] ?? 0));
  const lower = Math.max(...sorted.map((list) => list[list.length - depth] ?? 0));
  if (!(upper > lower)) throw new RangeError('the datasets leave no range of instants with full pages');
  const seconds = new Set<number>();
  const step = (upper - lower) / Math.max(1, count - 1);
  for (let index = 0; index < count; index++) {
    seconds.add(Math.floor((upper - index * step) / 1000));
  }
  return [...seconds].map((second) => new Date(second * 1000).toISOString());
}

export interface GraphqlBody {
  query: string;
  variables: Record<string, unknown>;
}

/** One request body per instant: the same document, another `createdBefore`. */
export function campaignsBodies(instants: readonly string[], providers: readonly ProviderName[] | null) {
  return instants.map((createdBefore) =>
    JSON.stringify({
      query: CAMPAIGNS_DOCUMENT,
      variables: { filter: providers === null ? { createdBefore } : { providers, createdBefore } },
    } satisfies GraphqlBody),
  );
}

/**
 * Disjoint sets of `LOOKUPS` ids, half from each provider, so that requests in flight together share no id
 * (an id shared by two requests in flight would be one coalesced upstream call).
 */
export function lookupSets(ids: Readonly<Record<ProviderName, readonly string[]>>): string[][] {
  const half = LOOKUPS / 2;
  const sets = Math.floor(Math.min(ids.ALTUR.length, ids.AURALYTIK.length) / half);
  const out: string[][] = [];
  for (let set = 0; set < sets; set++) {
    out.push([
      ...ids.ALTUR.slice(set * half, (set + 1) * half),
      ...ids.AURALYTIK.slice(set * half, (set + 1) * half),
    ]);
  }
  return out;
}

export function nodesBodies(sets: readonly (readonly string[])[]): string[] {
  return sets.map((ids) =>
    JSON.stringify({ query: NODES_DOCUMENT, variables: { ids } } satisfies GraphqlBody),
  );
}

/** The upstream query strings the gateway sends for one page of a provider, so direct rows hit the same. */
export function alturListQuery(createdBefore: string): string {
  return new URLSearchParams({
    startDate: '1970-01-01T00:00:00.000Z',
    endDate: createdBefore,
    pageSize: String(PAGE),
  }).toString();
}

export function auralytikListQuery(createdBefore: string): string {
  return new URLSearchParams({ dateTo: createdBefore, page: '1', pageSize: String(PAGE) }).toString();
}
