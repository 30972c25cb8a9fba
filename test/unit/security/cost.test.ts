import fc from 'fast-check';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { operationCost } from '../../../src/security/cost.js';

const PAGES = { defaultPageSize: 25, maxPageSize: 100, connectionFields: new Set(['campaigns']) };
const cost = (query: string, variables: Record<string, unknown> = {}, operationName?: string) =>
  operationCost(parse(query), variables, operationName, PAGES);

describe('operationCost', () => {
  it.each([
    ['scalars only', '{ __typename }', {}, 0],
    ['one lookup', '{ campaign(id: "x") { id name } }', {}, 1],
    ['a page of 100', '{ campaigns(first: 100) { edges { node { id name } } } }', {}, 201],
    ['totals only: the page is still fetched', '{ campaigns(first: 100) { totalCount } }', {}, 101],
    ['the default page', '{ campaigns { edges { node { id } } } }', {}, 51],
    ['last counts like first', '{ campaigns(last: 10) { edges { node { id } } } }', {}, 21],
    [
      'first through a variable',
      'query ($n: Int) { campaigns(first: $n) { edges { node { id } } } }',
      { n: 7 },
      15,
    ],
    [
      'an unset variable: the default page',
      'query ($n: Int) { campaigns(first: $n) { edges { node { id } } } }',
      {},
      51,
    ],
    [
      'over the maximum counts as the maximum',
      '{ campaigns(first: 1000000000) { edges { node { id } } } }',
      {},
      201,
    ],
    ['a negative page counts nothing', '{ campaigns(first: -5) { edges { node { id } } } }', {}, 1],
    [
      'ids as a literal',
      '{ nodes(ids: ["a", "b", "c"]) { id ... on AlturCampaign { agent { name } } } }',
      {},
      4,
    ],
    [
      'a variable left out takes its default',
      'query ($n: Int = 100) { campaigns(first: $n) { edges { node { id } } } }',
      {},
      201,
    ],
    [
      'a variable sent wins over its default',
      'query ($n: Int = 100) { campaigns(first: $n) { edges { node { id } } } }',
      { n: 2 },
      5,
    ],
    ['ids from a default list', 'query ($ids: [ID!]! = ["a", "b", "c"]) { nodes(ids: $ids) { id } }', {}, 4],
    [
      'a connection whose edges hide in a fragment: still the default page',
      '{ campaigns { ...C } } fragment C on CampaignConnection { edges { node { id } } }',
      {},
      51,
    ],
    ['ids through a variable', 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ['a', 'b'] }, 3],
    [
      'both sides of every fragment',
      '{ campaigns(first: 10) { edges { node { ... on AlturCampaign { agent { name } } ...F } } } } fragment F on AuralytikCampaign { cycle { startDate } }',
      {},
      41,
    ],
    [
      'aliases add up',
      '{ a: campaigns(first: 10) { edges { node { id } } } b: campaigns(first: 20) { edges { node { id } } } }',
      {},
      21 + 41,
    ],
  ])('%s', (_name, query, variables, expected) => {
    expect(cost(query, variables)).toBe(expected);
  });

  it('counts the named operation only', () => {
    const document = `query Small { campaign(id: "x") { id } }
      query Big { campaigns(first: 100) { edges { node { id } } } }`;
    expect(cost(document, {}, 'Small')).toBe(1);
    expect(cost(document, {}, 'Big')).toBe(201);
    expect(cost(document, {}, 'Missing')).toBe(0);
  });

  it('does not loop on a fragment cycle (validation reports it)', () => {
    const document =
      '{ campaigns(first: 2) { ...A } } fragment A on CampaignConnection { edges { node { id } } ...A }';
    expect(cost(document)).toBe(5);
  });

  it('grows with the page size and with every alias (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 20 }),
        (small, extra, aliases) => {
          const page = (n: number) =>
            `{ ${Array.from({ length: aliases }, (_, i) => `a${i}: campaigns(first: ${n}) { edges { node { id } } }`).join(' ')} }`;
          const larger = Math.min(small + extra, 100);
          expect(cost(page(larger))).toBeGreaterThanOrEqual(cost(page(small)));
          expect(cost(page(small))).toBe(aliases * (1 + 2 * small));
        },
      ),
    );
  });
});
