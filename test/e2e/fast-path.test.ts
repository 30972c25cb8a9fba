import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OPERATION_LIMITS } from '../../src/config.js';
import { encodeGlobalId } from '../../src/schema/globalId.js';
import { SIMULATED_AGENTS, type Simulators, startSimulators } from '../../tools/simulators/index.js';
import { type Harness, startHarness } from '../support/harness.js';

// Issue 11: the fast path (graphql-jit, lazy cursors, synchronous ids) against the reference path (plain graphql-js)
// over one schema, the same simulators and the same cursor secret. For random filters, page sizes, walks and
// selections, the two HTTP answers must be the same bytes: data, nulls, errors, their order and cursors alike.

// ---- Selections: a tree rendered to GraphQL text, so a shrunk counterexample prints as the query it sent.

type Directive = { name: 'include' | 'skip'; value: boolean; variable: boolean } | null;
interface FieldSelection {
  kind: 'field';
  name: string;
  alias: string | null;
  directive: Directive;
  children: Selection[] | null;
}
interface FragmentSelection {
  kind: 'fragment';
  on: string;
  /** A named fragment and its spread rather than an inline fragment. */
  named: boolean;
  directive: Directive;
  children: Selection[];
}
/** A spread of a named fragment the document already defines, plain or inside a conditional inline fragment. */
interface ReuseSelection {
  kind: 'reuse';
  /** Which of the fragments defined so far (modulo their number); nothing when there is none yet. */
  pick: number;
  directive: Directive;
  wrap: Directive;
}
type Selection = FieldSelection | FragmentSelection | ReuseSelection;

interface FieldSpec {
  name: string;
  /** A response key of its own, so the same field can be selected twice with different selections. */
  alias?: string;
  children?: () => fc.Arbitrary<Selection[]>;
}

const condition: fc.Arbitrary<Directive> = fc.record({
  name: fc.constantFrom('include' as const, 'skip' as const),
  value: fc.boolean(),
  variable: fc.boolean(),
});
// Mostly none: a directive on every other field would leave little selected.
const directive = fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: condition });

function field(spec: FieldSpec): fc.Arbitrary<Selection> {
  return fc.record({
    kind: fc.constant('field' as const),
    name: fc.constant(spec.name),
    // One alias per field name: a response key then always means one field, and any two selections merge.
    alias:
      spec.alias === undefined
        ? fc.oneof(
            { weight: 3, arbitrary: fc.constant(null) },
            { weight: 1, arbitrary: fc.constant(`${spec.name}2`) },
          )
        : fc.constant(spec.alias),
    directive,
    children: spec.children === undefined ? fc.constant(null) : spec.children(),
  });
}

type FragmentArbitrary = () => fc.Arbitrary<Selection>;

// The same fragment spread in two places, one under a condition: the condition must stay with its spread.
const reuse: FragmentArbitrary = () =>
  fc.record({
    kind: fc.constant('reuse' as const),
    pick: fc.nat(),
    directive,
    wrap: fc.oneof(fc.constant(null), condition),
  });

function fragment(
  on: string,
  specs: readonly FieldSpec[],
  nested: readonly FragmentArbitrary[] = [],
): FragmentArbitrary {
  return () =>
    fc.record({
      kind: fc.constant('fragment' as const),
      on: fc.constant(on),
      named: fc.boolean(),
      directive,
      children: selectionSet(specs, nested),
    });
}

/**
 * A subset of the fields (`always` among them, at least one) and up to two of the fragments, in random order.
 * No `chain`: each field is present or not, and placed by a key of its own, so a failure shrinks field by field
 * towards the document's order.
 */
function selectionSet(
  specs: readonly FieldSpec[],
  fragments: readonly FragmentArbitrary[] = [],
  always: readonly FieldSpec[] = [],
): fc.Arbitrary<Selection[]> {
  const placed = <T>(arbitrary: fc.Arbitrary<T>) => fc.tuple(arbitrary, fc.nat({ max: 99 }));
  const spreads =
    fragments.length === 0
      ? fc.constant([])
      : fc.array(placed(fc.oneof(...fragments.map((make) => make()))), { maxLength: 2 });
  return fc
    .tuple(
      fc.tuple(...always.map((spec) => placed(field(spec)))),
      fc.tuple(...specs.map((spec) => placed(fc.option(field(spec), { freq: 2 })))),
      spreads,
    )
    .map(([required, optional, spread]) =>
      [...required, ...optional, ...spread]
        .filter((entry): entry is [Selection, number] => entry[0] !== null)
        .sort((one, other) => one[1] - other[1])
        .map(([selection]) => selection),
    )
    .filter((selections) => selections.some((selection) => selection.kind === 'field'));
}

const leaves = (names: string): FieldSpec[] => names.split(' ').map((name) => ({ name }));

const CAMPAIGN_FIELDS = leaves(
  'id provider providerId name description status providerStatus channel createdAt __typename',
);
const DAY_FIELDS = leaves('active startTime endTime');
const DAYS = 'monday tuesday wednesday thursday friday saturday sunday';
const ALTUR_FIELDS: FieldSpec[] = [
  ...leaves('archived concurrency firstMessage retries template timezone'),
  { name: 'agent', children: () => selectionSet(leaves('id name __typename')) },
  {
    name: 'cycle',
    children: () =>
      selectionSet(
        leaves(
          'enabled maxIterations cooldownMinutes statusFilters tagFilters currentIteration lastIterationAt',
        ),
      ),
  },
  {
    name: 'schedule',
    children: () =>
      selectionSet(leaves(DAYS).map((day) => ({ ...day, children: () => selectionSet(DAY_FIELDS) }))),
  },
];
const AURALYTIK_FIELDS = leaves('type channelType startDate endDate');

// Provider fragments select interface fields too: the same key from the interface and a fragment must merge.
const alturFragment = fragment('AlturCampaign', [...ALTUR_FIELDS, ...CAMPAIGN_FIELDS]);
const auralytikFragment = fragment('AuralytikCampaign', [...AURALYTIK_FIELDS, ...CAMPAIGN_FIELDS]);
const campaignFragment = fragment('Campaign', CAMPAIGN_FIELDS, [alturFragment, auralytikFragment]);

// Every named fragment is on Campaign, Node or a campaign type, so any of them may be reused at these two levels.
const campaignSelection = () =>
  selectionSet(CAMPAIGN_FIELDS, [
    alturFragment,
    auralytikFragment,
    fragment('Node', leaves('id __typename')),
    reuse,
  ]);
const nodeSelection = () =>
  selectionSet(leaves('id __typename'), [campaignFragment, alturFragment, auralytikFragment, reuse]);
/** Mostly with `spec` selected: a page's campaigns are most of what the executors do. */
const mostlyWith = (specs: readonly FieldSpec[], spec: FieldSpec) =>
  fc.oneof(
    { weight: 3, arbitrary: selectionSet(specs, [], [spec]) },
    { weight: 1, arbitrary: selectionSet([...specs, spec]) },
  );
const edgeSelection = () =>
  mostlyWith([{ name: 'cursor' }, { name: '__typename' }], { name: 'node', children: campaignSelection });
const connectionSelection = mostlyWith(
  [
    { name: 'totalCount' },
    { name: '__typename' },
    { name: 'edges', alias: 'moreEdges', children: edgeSelection },
    {
      name: 'pageInfo',
      children: () => selectionSet(leaves('hasNextPage hasPreviousPage startCursor endCursor __typename')),
    },
  ],
  { name: 'edges', children: edgeSelection },
);

/** Renders selections, collecting named fragments and the directive variables they use. */
class Renderer {
  readonly fragments: string[] = [];
  readonly flags = new Set<'yes' | 'no'>();
  /** Fragment names by their text: two identical fragments are one definition spread twice. */
  private readonly names = new Map<string, string>();

  selections(selections: readonly Selection[]): string {
    return `{ ${selections.map((selection) => this.selection(selection)).join(' ')} }`;
  }

  private selection(selection: Selection): string {
    if (selection.kind === 'reuse') {
      const names = [...this.names.values()];
      const name = names[selection.pick % Math.max(1, names.length)];
      // Rendered only with a fragment to spread: a directive's variable must not be declared unused.
      if (name === undefined) return '';
      const spread = `...${name}${this.directive(selection.directive)}`;
      const wrap = this.directive(selection.wrap);
      return wrap === '' ? spread : `...${wrap} { ${spread} }`;
    }
    const directive = this.directive(selection.directive);
    if (selection.kind === 'field') {
      const key = selection.alias === null ? '' : `${selection.alias}: `;
      const children = selection.children === null ? '' : ` ${this.selections(selection.children)}`;
      return `${key}${selection.name}${directive}${children}`;
    }
    const body = this.selections(selection.children);
    if (!selection.named) return `... on ${selection.on}${directive} ${body}`;
    const text = `on ${selection.on} ${body}`;
    let name = this.names.get(text);
    if (name === undefined) {
      name = `F${this.names.size + 1}`;
      this.names.set(text, name);
      this.fragments.push(`fragment ${name} ${text}`);
    }
    return `...${name}${directive}`;
  }

  private directive(directive: Directive): string {
    if (directive === null) return '';
    const flag = directive.value ? 'yes' : 'no';
    if (directive.variable) this.flags.add(flag);
    return ` @${directive.name}(if: ${directive.variable ? `$${flag}` : String(directive.value)})`;
  }
}

// ---- Requests

interface Filter {
  providers?: string[];
  status?: string[];
  channels?: string[];
  createdAfter?: string;
  createdBefore?: string;
  agentId?: string;
  includeArchived?: boolean;
}

interface Argument {
  name: string;
  type: string;
  value: unknown;
}

interface GraphQLRequest {
  query: string;
  variables: Record<string, unknown>;
}

/** GraphQL literal text: enum lists bare, strings quoted. */
function literal(value: unknown): string {
  if (Array.isArray(value))
    return `[${value.map((item) => (typeof item === 'string' && /^[A-Z_]+$/.test(item) ? item : literal(item))).join(' ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([key, item]) => `${key}: ${literal(item)}`)
      .join(' ')}}`;
  }
  return JSON.stringify(value);
}

/** A root field's call: `twice` selects it again (merged; its errors are then located at both). */
interface Root {
  field: string;
  alias: string | null;
  args: readonly Argument[];
  inline: boolean;
  twice: boolean;
}

/** One root field's request, its arguments either as variables or written into the document. */
function request(root: Root, selections: readonly Selection[], extra = ''): GraphQLRequest {
  const renderer = new Renderer();
  const body = renderer.selections(selections);
  const selected = extra === '' ? body : `${body.slice(0, -1)}${extra} }`;
  const variables: Record<string, unknown> = {};
  const declarations: string[] = [];
  const args = root.args.map((arg) => {
    if (root.inline)
      return `${arg.name}: ${arg.name === 'ids' ? JSON.stringify(arg.value) : literal(arg.value)}`;
    variables[arg.name] = arg.value;
    declarations.push(`$${arg.name}: ${arg.type}`);
    return `${arg.name}: $${arg.name}`;
  });
  for (const flag of renderer.flags) {
    variables[flag] = flag === 'yes';
    declarations.push(`$${flag}: Boolean!`);
  }
  const key = root.alias === null ? '' : `${root.alias}: `;
  const header = declarations.length === 0 ? 'query Q' : `query Q(${declarations.join(', ')})`;
  const call = args.length === 0 ? root.field : `${root.field}(${args.join(', ')})`;
  const again = root.twice ? `\n  ${key}${call} { __typename }` : '';
  const query = [`${header} {\n  ${key}${call} ${selected}${again}\n}`, ...renderer.fragments].join('\n');
  return { query, variables };
}

// ---- Random inputs

const earliest = Date.parse('2024-01-01T00:00:00Z');
const latest = Date.parse('2026-12-01T00:00:00Z');
const instant = fc.integer({ min: earliest, max: latest }).map((ms) => new Date(ms).toISOString());

/** Present in one filter out of three: with every key at even odds, most pages would be empty. */
const rarelySet = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

const filterArbitrary: fc.Arbitrary<Filter> = fc
  .record({
    providers: rarelySet(fc.subarray(['ALTUR', 'AURALYTIK'])),
    status: rarelySet(
      fc.subarray(['PENDING', 'READY', 'RUNNING', 'PAUSED', 'COOLDOWN', 'COMPLETED', 'UNKNOWN'], {
        minLength: 1,
      }),
    ),
    channels: rarelySet(fc.subarray(['VOICE', 'WHATSAPP', 'OTHER'], { minLength: 1 })),
    createdAfter: rarelySet(instant),
    createdBefore: rarelySet(instant),
    agentId: rarelySet(fc.constantFrom(...SIMULATED_AGENTS.map((agent) => agent.id))),
    includeArchived: rarelySet(fc.boolean()),
  })
  .map((drawn): Filter => {
    const filter = Object.fromEntries(Object.entries(drawn).filter(([, value]) => value !== undefined));
    const { createdAfter, createdBefore } = drawn;
    // A reversed range is a client error, the same from both paths and from nothing the executors do.
    if (createdAfter === undefined || createdBefore === undefined || createdAfter <= createdBefore)
      return filter;
    return { ...filter, createdAfter: createdBefore, createdBefore: createdAfter };
  });

interface PageStep {
  backward: boolean;
  /** null: neither `first` nor `last`, the default page size. */
  size: number | null;
  selection: Selection[];
  inline: boolean;
  alias: string | null;
  twice: boolean;
}
interface FollowStep extends PageStep {
  /** Mostly null (the walk's filter); otherwise another, which the cursor was not issued under. */
  refilter: Filter | null;
}

const sometimes = fc.nat({ max: 3 }).map((n) => n === 3);

const pageStep = {
  twice: sometimes,
  backward: fc.boolean(),
  size: fc.option(fc.integer({ min: 0, max: 100 }), { freq: 8 }),
  selection: connectionSelection,
  inline: fc.boolean(),
  alias: fc.constantFrom(null, 'page'),
};
const walkArbitrary = fc.record({
  filter: fc.option(filterArbitrary, { freq: 4 }),
  first: fc.record(pageStep),
  follow: fc.array(
    fc.record({
      ...pageStep,
      refilter: fc.oneof(
        { weight: 9, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: filterArbitrary },
      ),
    }),
    {
      maxLength: 2,
    },
  ),
});

type Walk = typeof walkArbitrary extends fc.Arbitrary<infer T> ? T : never;

/** An id from the known campaigns (by index), or one no provider has, or one the gateway never issued. */
type IdRef = number | string;
const idRef: fc.Arbitrary<IdRef> = fc.oneof(
  { weight: 10, arbitrary: fc.nat() },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'not-an-id',
      encodeGlobalId('AlturCampaign', '99999999'),
      encodeGlobalId('AlturCampaign', 'abc'),
      encodeGlobalId('AuralytikCampaign', 'camp_missing'),
      encodeGlobalId('Nothing', '1'),
    ),
  },
);
const lookupArbitrary = fc.oneof(
  fc.record({
    kind: fc.constant('nodes' as const),
    ids: fc.array(idRef, { maxLength: 12 }),
    selection: nodeSelection(),
    inline: fc.boolean(),
    twice: sometimes,
    alias: fc.constantFrom(null, 'found'),
  }),
  fc.record({
    kind: fc.constant('campaign' as const),
    ids: fc.tuple(idRef),
    selection: campaignSelection(),
    inline: fc.boolean(),
    twice: sometimes,
    alias: fc.constantFrom(null, 'found'),
  }),
);

// ---- Both gateways

let simulators: Simulators;
let compiled: Harness;
let reference: Harness;
/** Every campaign's id, from pages read through the reference path before the property runs. */
const knownIds: string[] = [];

/** What the property's requests met, counted over its runs (and any shrinking). */
const stats = {
  requests: 0,
  withData: 0,
  pages: 0,
  /** Pages with at least one edge. */
  nonEmptyPages: 0,
  followedCursors: 0,
  lookups: 0,
  foundNodes: 0,
};

beforeAll(async () => {
  // No churn, no rate limits, no caches: between the two requests of a pair, nothing may change the answer.
  simulators = await startSimulators({ altur: { rateLimit: false } });
  const options = {
    simulators,
    cursorSecret: 'fast-path-property',
    alturRateLimitPerSecond: 10_000,
    // Limits refuse before execution: raised so that large selections reach the executors.
    security: {
      limits: { ...DEFAULT_OPERATION_LIMITS, maxAliases: 1000, maxCost: 1_000_000, maxTokens: 100_000 },
    },
  };
  [compiled, reference] = await Promise.all([
    startHarness({ ...options, overrides: { execution: 'compiled' } }),
    startHarness({ ...options, overrides: { execution: 'reference' } }),
  ]);
  for (const backward of [false, true]) {
    const response = await reference.query<{ campaigns: { edges: { node: { id: string } }[] } }>(
      `query All($first: Int, $last: Int) {
        campaigns(first: $first, last: $last, filter: { includeArchived: true }) { edges { node { id } } }
      }`,
      backward ? { last: 100 } : { first: 100 },
    );
    for (const edge of response.data?.campaigns.edges ?? []) knownIds.push(edge.node.id);
  }
  expect(knownIds.length).toBeGreaterThan(100);
});
afterAll(async () => {
  await Promise.all([compiled?.close(), reference?.close()]);
  await simulators?.close();
});

/** Sends the request to both gateways; throws, with the query and where the bodies part, unless they agree. */
async function bothAgree(graphql: GraphQLRequest): Promise<Record<string, unknown> | null> {
  const [fast, slow] = await Promise.all([
    compiled.query(graphql.query, graphql.variables),
    reference.query(graphql.query, graphql.variables),
  ]);
  stats.requests++;
  if (fast.status !== slow.status || fast.text !== slow.text) {
    let at = 0;
    while (at < fast.text.length && fast.text[at] === slow.text[at]) at++;
    const around = (text: string) => text.slice(Math.max(0, at - 120), at + 120);
    throw new Error(
      [
        'compiled and reference answers differ',
        graphql.query,
        `variables: ${JSON.stringify(graphql.variables)}`,
        `status: compiled ${fast.status}, reference ${slow.status}; bodies part at character ${at}:`,
        `  compiled:  …${around(fast.text)}…`,
        `  reference: …${around(slow.text)}…`,
      ].join('\n'),
    );
  }
  if (fast.data !== undefined && fast.data !== null) stats.withData++;
  return fast.data ?? null;
}

function sizeArgs(step: PageStep): Argument[] {
  if (step.size === null) return [];
  return [{ name: step.backward ? 'last' : 'first', type: 'Int', value: step.size }];
}

/** The cursors the next step follows, under a key no random selection uses. */
const FOLLOW = ' follow: pageInfo { startCursor endCursor }';

async function runWalk(walk: Walk) {
  const steps: FollowStep[] = [{ ...walk.first, refilter: null }, ...walk.follow];
  let filter = walk.filter;
  let cursor: string | null = null;
  for (const [index, step] of steps.entries()) {
    if (step.refilter !== null) filter = step.refilter;
    const args = [...sizeArgs(step)];
    if (cursor !== null)
      args.push({ name: step.backward ? 'before' : 'after', type: 'String', value: cursor });
    if (filter !== null) args.push({ name: 'filter', type: 'CampaignFilter', value: filter });
    const next = steps[index + 1];
    const graphql = request(
      { field: 'campaigns', alias: step.alias, args, inline: step.inline, twice: step.twice },
      step.selection,
      next === undefined ? '' : FOLLOW,
    );
    const data = await bothAgree(graphql);
    const page = data?.[step.alias ?? 'campaigns'] as
      | { follow?: { startCursor: string | null; endCursor: string | null } }
      | undefined;
    stats.pages++;
    if (page !== undefined && hasNonEmptyList(page)) stats.nonEmptyPages++;
    if (next === undefined) break;
    cursor = (next.backward ? page?.follow?.startCursor : page?.follow?.endCursor) ?? null;
    if (cursor !== null) stats.followedCursors++;
  }
}

function hasNonEmptyList(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some(hasNonEmptyList);
}

describe('the fast path answers as the reference path does', () => {
  it('gives byte-identical responses for random pages, walks, selections and lookups', {
    timeout: 120_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(walkArbitrary, fc.array(lookupArbitrary, { maxLength: 2 }), async (walk, lookups) => {
        await runWalk(walk);
        for (const lookup of lookups) {
          const ids = lookup.ids.map((id) =>
            typeof id === 'number' ? (knownIds[id % knownIds.length] ?? '') : id,
          );
          const args =
            lookup.kind === 'nodes'
              ? [{ name: 'ids', type: '[ID!]!', value: ids }]
              : [{ name: 'id', type: 'ID!', value: ids[0] }];
          const data = await bothAgree(
            request(
              { field: lookup.kind, alias: lookup.alias, args, inline: lookup.inline, twice: lookup.twice },
              lookup.selection,
            ),
          );
          stats.lookups++;
          const found = data?.[lookup.alias ?? lookup.kind];
          if ((Array.isArray(found) ? found : [found]).some((node) => node !== null && node !== undefined)) {
            stats.foundNodes++;
          }
        }
      }),
      { numRuns: 60 },
    );
    // Not vacuous: pages with campaigns, walks that followed a cursor, lookups that found some.
    const seen = JSON.stringify(stats);
    expect(stats.nonEmptyPages, seen).toBeGreaterThan(10);
    expect(stats.followedCursors, seen).toBeGreaterThan(5);
    expect(stats.foundNodes, seen).toBeGreaterThan(3);
    expect(stats.withData, seen).toBeGreaterThan(stats.requests / 2);
  });
});
