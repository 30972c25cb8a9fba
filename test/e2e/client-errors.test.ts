import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectNoLeak, type Harness, startHarness } from '../support/harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

it.each([
  ['a syntax error', '{ campaigns(first: 1) { totalCount ', {}, 'GRAPHQL_PARSE_FAILED'],
  ['an unknown field', '{ campaigns(first: 1) { nope } }', {}, 'GRAPHQL_VALIDATION_FAILED'],
  [
    'a DateTime without a zone',
    'query ($at: DateTime) { campaigns(filter: { createdAfter: $at }) { totalCount } }',
    { at: '2025-01-01 10:00' },
    'BAD_USER_INPUT',
  ],
  [
    'a DateTime literal that is not a date',
    '{ campaigns(filter: { createdAfter: "yesterday" }) { totalCount } }',
    {},
    'BAD_USER_INPUT',
  ],
  [
    'createdAfter after createdBefore',
    '{ campaigns(filter: { createdAfter: "2026-01-01T00:00:00Z", createdBefore: "2025-01-01T00:00:00Z" }) { totalCount } }',
    {},
    'BAD_USER_INPUT',
  ],
  [
    // graphql-js 16 throws from its single-field-subscription rule here (found by test/e2e/fuzz.test.ts).
    'a subscription whose root fields are skipped by a variable',
    'subscription ($x: Boolean!) { a: campaignEvents @skip(if: $x) { id } campaignEvents { id } }',
    { x: true },
    'GRAPHQL_VALIDATION_FAILED',
  ],
])('gives %s a code and a message, and calls no provider', async (_name, document, variables, code) => {
  harness.altur.requests.reset();
  harness.auralytik.requests.reset();
  const response = await harness.query(document, variables);
  expect(response.errors?.length).toBeGreaterThan(0);
  for (const error of response.errors ?? []) {
    expect(error.extensions?.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(10);
  }
  expect(harness.altur.requests.count() + harness.auralytik.requests.count()).toBe(0);
  expectNoLeak(harness, response.text);
});

// Each of these answered 500 INTERNAL_SERVER_ERROR once: graphql-jit reports variable errors without a code and
// throws a plain Error for an operation type the schema lacks. test/e2e/fuzz.test.ts looks for more like them.
it.each([
  [
    'a variable of the wrong type',
    'query ($n: Int) { campaigns(first: $n) { totalCount } }',
    '{"n":"ten"}',
    400,
    'BAD_USER_INPUT',
  ],
  [
    'a missing required variable',
    'query ($id: ID!) { campaign(id: $id) { name } }',
    '{}',
    400,
    'BAD_USER_INPUT',
  ],
  [
    'a list variable nested too deep',
    'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }',
    '{"ids":[[["a"]]]}',
    400,
    'BAD_USER_INPUT',
  ],
  [
    'a __proto__ key in an input object variable',
    'query ($f: CampaignFilter) { campaigns(first: 1, filter: $f) { totalCount } }',
    '{"f":{"__proto__":{"status":["RUNNING"]}}}',
    400,
    'BAD_USER_INPUT',
  ],
  ['a mutation', 'mutation { campaigns { totalCount } }', '{}', 200, 'GRAPHQL_VALIDATION_FAILED'],
  [
    'a subscription to a query field (subscriptions serve campaignEvents only)',
    'subscription { campaigns { totalCount } }',
    '{}',
    200,
    'GRAPHQL_VALIDATION_FAILED',
  ],
  ['variables that are not an object', '{ __typename }', '[1]', 400, 'BAD_REQUEST'],
  [
    'a list literal nested deeper than the parser recurses',
    `{ campaigns(filter: { includeArchived: ${'['.repeat(5000)}false${']'.repeat(5000)} }) { totalCount } }`,
    '{}',
    400,
    'OPERATION_LIMIT_EXCEEDED',
  ],
  [
    'a variable nested 30 000 levels deep',
    'query ($f: CampaignFilter) { campaigns(filter: $f) { totalCount } }',
    `{"f":{"status":${'['.repeat(30_000)}${']'.repeat(30_000)}}}`,
    400,
    'BAD_USER_INPUT',
  ],
])(
  'answers %s with a client error, calling no provider',
  async (_name, document, variables, status, code) => {
    harness.altur.requests.reset();
    harness.auralytik.requests.reset();
    const response = await fetch(harness.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: `{"query":${JSON.stringify(document)},"variables":${variables}}`,
    });
    const text = await response.text();
    const body = JSON.parse(text) as {
      data?: unknown;
      errors?: { message: string; extensions?: { code?: string } }[];
    };
    expect(response.status).toBe(status);
    expect(body.data).toBeUndefined();
    expect(body.errors?.map((error) => error.extensions?.code)).toEqual([code]);
    expect(body.errors?.[0]?.message).toMatch(
      /Send|Fix|Expected|Flatten|no (mutation|subscription)|Cannot query field/,
    );
    expect(harness.altur.requests.count() + harness.auralytik.requests.count()).toBe(0);
    expectNoLeak(harness, text);
  },
);

it('ignores a __proto__ key among the variables, as any undeclared variable', async () => {
  const response = await fetch(harness.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: '{"query":"query ($n: Int) { campaigns(first: $n) { totalCount } }","variables":{"__proto__":{"n":100},"n":1}}',
  });
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ data: { campaigns: { totalCount: expect.any(Number) } } });
});
