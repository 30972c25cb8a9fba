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
