import { GraphQLError } from 'graphql';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useCompiledExecution } from '../../../src/plugins/compiledExecution.js';

const schema = createSchema({
  typeDefs: `
    type Query { item: Item! refused: Item! missing: Item }
    type Item { id: ID! name: String! note: String }
  `,
  resolvers: {
    Query: {
      item: () => ({ id: '1', name: 'one', note: 'first' }),
      refused: () => {
        throw new GraphQLError('refused', { extensions: { code: 'BAD_USER_INPUT' } });
      },
      missing: () => {
        throw new GraphQLError('not there', { extensions: { code: 'NOT_FOUND' } });
      },
    },
  },
});

type Executor = (...args: never[]) => unknown;

/** A yoga app, and the executor each operation ran with. */
function app(plugins: Plugin[]) {
  const executors: Executor[] = [];
  const probe: Plugin = { onExecute: ({ executeFn }) => void executors.push(executeFn) };
  const yoga = createYoga({
    schema,
    plugins: [...plugins, probe],
    logging: false,
    maskedErrors: { isDev: false },
  });
  const answer = async (query: string) => {
    const response = await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    return response.text();
  };
  return { answer, executors };
}

const compiled = app(useCompiledExecution() as Plugin[]);
const reference = app([]);

describe('useCompiledExecution', () => {
  it('compiles a document without @skip or @include', async () => {
    await reference.answer('{ item { id } }');
    await compiled.answer('{ item { id } }');
    expect(compiled.executors.at(-1)).not.toBe(reference.executors.at(-1));
  });

  it.each([
    '{ item { name @skip(if: true) id } }',
    '{ item { ... @include(if: false) { name } id } }',
    '{ item { ...F @include(if: false) id } } fragment F on Item { name }',
    '{ item { ...F } } fragment F on Item { name @include(if: true) }',
    'query ($no: Boolean!) { item { id note @include(if: $no) } }',
  ])('leaves %s to graphql-js, whose answer graphql-jit does not always give', async (query) => {
    await reference.answer('{ item { id } }');
    await compiled.answer(query);
    expect(compiled.executors.at(-1)).toBe(reference.executors.at(-1));
  });

  it.each([
    // graphql-jit would answer `{"name":…,"id":…}`: the key where it first occurs, skipped or not.
    '{ item { name @skip(if: true) id name } }',
    // graphql-jit would answer `{}`: the skipped spread's condition leaks to the other one.
    '{ item { ...F @include(if: false) ...F } } fragment F on Item { name }',
    // graphql-jit would answer errors without `locations`, after `data`.
    '{ item { id } refused { id } }',
    '{\n  missing { id }\n  ... on Query {\n    missing { name }\n  }\n}',
  ])('answers %s byte for byte as graphql-js does', async (query) => {
    expect(await compiled.answer(query)).toBe(await reference.answer(query));
  });

  it('locates an error where graphql-js does, on every line it merges from', async () => {
    const body = JSON.parse(await compiled.answer('{\n  missing { id }\n   missing { name }\n}'));
    expect(body.errors[0].locations).toEqual([
      { line: 2, column: 3 },
      { line: 3, column: 4 },
    ]);
  });
});
