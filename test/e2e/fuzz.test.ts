import fc from 'fast-check';
import {
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  getNamedType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isInputType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { type Harness, startHarness } from '../support/harness.js';

// Random documents and random variables, built from the served schema, against the real gateway and simulators.
// Whatever a client sends, the answer is a client error (4xx, or errors that carry a client code), never a 500
// or INTERNAL_SERVER_ERROR; and a request refused before execution (no `data` in the answer) calls no provider.

/** JSON with objects kept as key/value pairs, so keys like `__proto__` reach the wire as they are. */
type Json = null | boolean | number | string | Json[] | { entries: [string, Json][] };

function toJson(value: Json): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  return `{${value.entries.map(([key, item]) => `${JSON.stringify(key)}:${toJson(item)}`).join(',')}}`;
}

const SPECIAL_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', '__typename', ''];
const key = fc.oneof(fc.constantFrom(...SPECIAL_KEYS), fc.string({ maxLength: 8 }));
const scalarJson: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 1e308, 0.5, -0),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('ten', '2025-01-01T00:00:00Z', 'yesterday', 'ALTUR', 'RUNNING', '1.garbage', ''),
);
const { json: anyJson } = fc.letrec<{ json: Json }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarJson,
    fc.array(tie('json'), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie('json')), { maxLength: 4 }).map((entries) => ({ entries })),
  ),
}));
/** `arbitrary` once in `1 + odds` samples, null otherwise: for the mistakes that would hide every other one. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>, odds: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: odds, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });

/** A list nested deeper than any type in the schema. */
const deepList = fc.tuple(fc.integer({ min: 3, max: 2000 }), scalarJson).map(([depth, leaf]) => {
  let value: Json = leaf;
  for (let level = 0; level < depth; level++) value = [value];
  return value;
});

/** A value for an input type: usually of that type, sometimes of another, sometimes anything at all. */
function valueFor(type: GraphQLInputType, depth = 0): fc.Arbitrary<Json> {
  if (depth > 4) return anyJson;
  if (isNonNullType(type)) return valueFor(type.ofType, depth);
  const wrong = fc.oneof(anyJson, deepList);
  if (isListType(type)) {
    return fc.oneof(
      { weight: 4, arbitrary: fc.array(valueFor(type.ofType, depth + 1), { maxLength: 4 }) },
      { weight: 1, arbitrary: valueFor(type.ofType, depth + 1) },
      { weight: 1, arbitrary: wrong },
    );
  }
  let right: fc.Arbitrary<Json>;
  if (isEnumType(type)) right = fc.constantFrom(...type.getValues().map((value) => value.name));
  else if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    right = fc
      .tuple(
        fc.subarray(fields),
        fc.array(fc.tuple(key, anyJson), { maxLength: 1 }),
        fc.array(fc.oneof(...fields.map((field) => valueFor(field.type, depth + 1))), {
          minLength: fields.length,
          maxLength: fields.length,
        }),
      )
      .map(([chosen, extra, values]) => ({
        entries: [...chosen.map((field, i): [string, Json] => [field.name, values[i] ?? null]), ...extra],
      }));
  } else {
    right = scalarFor(type.name);
  }
  return fc.oneof({ weight: 4, arbitrary: right }, { weight: 1, arbitrary: wrong });
}

function scalarFor(name: string): fc.Arbitrary<Json> {
  switch (name) {
    case 'Int':
      return fc.oneof(fc.integer({ min: -5, max: 120 }), fc.integer());
    case 'Float':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'Boolean':
      return fc.boolean();
    case 'DateTime':
      return fc.oneof(
        fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
        fc.constantFrom('2025-01-01', '2025-01-01 10:00', '2025-13-45T99:00:00Z'),
      );
    case 'ID':
      return fc.oneof(
        fc.constantFrom('QWx0dXJDYW1wYWlnbjox', 'QXVyYWx5dGlrQ2FtcGFpZ246Y2FtcF8x', 'Tm9kZTox', ''),
        fc.string({ maxLength: 20 }),
        fc.integer(),
      );
    default:
      return fc.string({ maxLength: 20 });
  }
}

/** GraphQL literal text for a JSON value (enums stay strings here, which is itself a good wrong input). */
function literal(value: Json): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(literal).join(' ')}]`;
  return `{${value.entries.map(([name, item]) => `${/^[_A-Za-z]\w*$/.test(name) ? name : 'x'}: ${literal(item)}`).join(' ')}}`;
}

// A declared variable type wrapped in lists only guides value generation; a plain marker stands for the list.
class ListOf {
  constructor(readonly ofType: Guide) {}
}
type Guide = GraphQLInputType | ListOf | undefined;

interface VariableDefinition {
  name: string;
  type: string;
  guide: Guide;
}

const inputTypeNames = Object.values(schema.getTypeMap())
  .filter(
    (type) =>
      !type.name.startsWith('__') && (isScalarType(type) || isEnumType(type) || isInputObjectType(type)),
  )
  .map((type) => type.name);

const variableDefinition: fc.Arbitrary<VariableDefinition> = fc
  .tuple(
    fc.constantFrom('n', 'id', 'ids', 'f', 'after', '__proto__', 'constructor', 'x'),
    fc.constantFrom(...inputTypeNames, 'Nope'),
    fc.array(fc.constantFrom('list', 'nonNull'), { maxLength: 4 }),
  )
  .map(([name, base, wrappers]) => {
    let type = base;
    const named = schema.getType(base);
    let guide: Guide = named !== undefined && isInputType(named) ? named : undefined;
    for (const wrapper of wrappers) {
      if (wrapper === 'list') {
        type = `[${type}]`;
        guide = new ListOf(guide);
      } else if (!type.endsWith('!')) {
        type = `${type}!`;
      }
    }
    return { name, type, guide };
  });

function valueForGuide(guide: Guide, depth = 0): fc.Arbitrary<Json> {
  if (guide === undefined) return anyJson;
  if (guide instanceof ListOf) return fc.array(valueForGuide(guide.ofType, depth + 1), { maxLength: 3 });
  return valueFor(guide, depth);
}

/** A selection set under a type, from its fields (and, for interfaces, inline fragments on what implements them). */
function selectionSet(
  type: GraphQLNamedType,
  variables: readonly VariableDefinition[],
  depth: number,
): fc.Arbitrary<string> {
  if (!isObjectType(type) && !isInterfaceType(type)) return fc.constant('');
  const fields = Object.values(type.getFields()) as GraphQLField<unknown, unknown>[];
  const field = fc
    .tuple(
      fc.constantFrom(...fields),
      rarely(fc.constantFrom('a', 'b', 'node', 'campaigns'), 3),
      rarely(fc.constantFrom('@include(if: true)', '@skip(if: false)', '@skip(if: $x)', '@nope'), 8),
    )
    .chain(([chosen, alias, directive]) =>
      fc
        .tuple(
          argumentsFor(chosen, variables),
          depth > 4
            ? fc.constant('')
            : selectionSet(getNamedType(chosen.type as GraphQLOutputType), variables, depth + 1),
        )
        .map(
          ([args, inner]) =>
            `${alias === null ? '' : `${alias}: `}${chosen.name}${args}${directive === null ? '' : ` ${directive}`}${inner === '' ? '' : ` ${inner}`}`,
        ),
    );
  const fragments = isAbstractType(type)
    ? schema
        .getPossibleTypes(type)
        .map((possible) =>
          selectionSet(possible, variables, depth + 1).map((inner) => `... on ${possible.name} ${inner}`),
        )
    : [];
  const unknown = fc.constantFrom('nope', '__typename', '__schema { types { name } }', 'campaigns');
  return fc
    .array(fc.oneof({ weight: 12, arbitrary: field }, { weight: 1, arbitrary: unknown }, ...fragments), {
      minLength: 1,
      maxLength: 3,
    })
    .map((selections) => `{ ${selections.join(' ')} }`);
}

function argumentsFor(
  field: GraphQLField<unknown, unknown>,
  variables: readonly VariableDefinition[],
): fc.Arbitrary<string> {
  if (field.args.length === 0) return rarely(fc.constant('(nope: 1)'), 12).map((text) => text ?? '');
  const variableNames = [...variables.map((variable) => `$${variable.name}`), '$undeclared'];
  const argument = fc
    .constantFrom(...field.args)
    .chain((arg) =>
      fc
        .oneof(
          { weight: 3, arbitrary: valueFor(arg.type).map(literal) },
          { weight: 2, arbitrary: fc.constantFrom(...variableNames) },
        )
        .map((value) => `${arg.name}: ${value}`),
    );
  return fc
    .uniqueArray(argument, { maxLength: field.args.length, selector: (text) => text.split(':')[0] })
    .map((args) => (args.length === 0 ? '' : `(${args.join(', ')})`));
}

interface Sample {
  document: string;
  operationName: string | undefined;
  variablesJson: string | undefined;
  get: boolean;
}

const operation: fc.Arbitrary<Sample> = fc
  .tuple(
    fc.constantFrom('query', 'query', 'query', 'query', 'mutation', 'subscription', ''),
    rarely(fc.constantFrom('Q', 'Other'), 1),
    fc.uniqueArray(variableDefinition, { maxLength: 3, selector: (definition) => definition.name }),
  )
  .chain(([kind, name, definitions]) => {
    const rootType = schema.getQueryType();
    if (rootType === null || rootType === undefined) throw new Error('schema without Query');
    return fc
      .tuple(
        selectionSet(rootType, definitions, 0),
        fc.tuple(
          ...definitions.map((definition) =>
            fc.option(valueForGuide(definition.guide), { freq: 5, nil: null }),
          ),
        ),
        fc.array(fc.tuple(key, anyJson), { maxLength: 2 }),
        rarely(fc.oneof(anyJson, deepList), 12),
        rarely(fc.constantFrom('Q', 'Other', ''), 3),
        rarely(fc.nat(), 10),
        fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
        fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      )
      .map(([selections, values, extraVariables, oddVariables, operationName, cut, twice, get]) => {
        const header =
          kind === '' && name === null && definitions.length === 0
            ? ''
            : `${kind || 'query'}${name === null ? '' : ` ${name}`}${
                definitions.length === 0
                  ? ''
                  : `(${definitions.map((definition) => `$${definition.name}: ${definition.type}`).join(', ')})`
              } `;
        let document = `${header}${selections}`;
        if (twice) document = `${document}\nquery Other { __typename }`;
        if (cut !== null) document = document.slice(0, cut % (document.length + 1));
        const entries: [string, Json][] = [
          ...definitions.flatMap((definition, i): [string, Json][] => {
            const value = values[i];
            return value === null || value === undefined ? [] : [[definition.name, value]];
          }),
          ...extraVariables,
        ];
        const variablesJson =
          oddVariables !== null
            ? toJson(oddVariables)
            : entries.length === 0
              ? undefined
              : toJson({ entries });
        return { document, operationName: operationName ?? undefined, variablesJson, get };
      });
  });

// Well-formed documents: every argument the field requires, literals of the declared types, variables declared
// with the argument's type. Most of them run; their variables are still sometimes of the wrong type.

interface Part {
  text: string;
  /** Types of the variables `$§` stands for in `text`, in order. */
  variables: GraphQLInputType[];
}

const join = (parts: readonly Part[], separator: string): Part => ({
  text: parts.map((part) => part.text).join(separator),
  variables: parts.flatMap((part) => part.variables),
});

function literalFor(type: GraphQLInputType, depth = 0): fc.Arbitrary<string> {
  if (isNonNullType(type)) return literalOfNullable(type.ofType, depth);
  return fc.oneof(
    { weight: 8, arbitrary: literalOfNullable(type, depth) },
    { weight: 1, arbitrary: fc.constant('null') },
  );
}

function literalOfNullable(type: GraphQLInputType, depth: number): fc.Arbitrary<string> {
  const value = ((): fc.Arbitrary<string> => {
    if (isListType(type)) {
      const item = literalFor(type.ofType, depth + 1);
      return fc.oneof(
        item,
        fc.array(item, { maxLength: 3 }).map((items) => `[${items.join(', ')}]`),
      );
    }
    if (isEnumType(type)) return fc.constantFrom(...type.getValues().map((enumValue) => enumValue.name));
    if (isInputObjectType(type)) {
      if (depth > 3) return fc.constant('{}');
      const fields = Object.values(type.getFields());
      return fc
        .subarray(fields, { maxLength: 3 })
        .chain((chosen) =>
          fc.tuple(
            ...chosen.map((field) =>
              literalFor(field.type, depth + 1).map((text) => `${field.name}: ${text}`),
            ),
          ),
        )
        .map((entries) => `{${entries.join(', ')}}`);
    }
    if (type.name === 'Int') return fc.integer({ min: -2, max: 120 }).map(String);
    if (type.name === 'Boolean') return fc.boolean().map(String);
    if (type.name === 'Float') return fc.double({ noNaN: true, noDefaultInfinity: true }).map(String);
    return scalarFor(type.name).map((json) => JSON.stringify(json));
  })();
  return isNonNullType(type)
    ? value
    : fc.oneof({ weight: 8, arbitrary: value }, { weight: 1, arbitrary: fc.constant('null') });
}

function wellFormedArguments(field: GraphQLField<unknown, unknown>): fc.Arbitrary<Part> {
  const required = field.args.filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined);
  const optional = field.args.filter((arg) => !required.includes(arg));
  return fc
    .subarray(optional)
    .chain((chosen) =>
      fc.tuple(
        ...[...required, ...chosen].map((arg) =>
          fc.oneof(
            literalFor(arg.type).map((text): Part => ({ text: `${arg.name}: ${text}`, variables: [] })),
            fc.constant<Part>({ text: `${arg.name}: $§`, variables: [arg.type] }),
          ),
        ),
      ),
    )
    .map((args) => (args.length === 0 ? { text: '', variables: [] } : join(args, ', ')))
    .map((args) => (args.text === '' ? args : { ...args, text: `(${args.text})` }));
}

function wellFormedSelectionSet(type: GraphQLNamedType, depth: number): fc.Arbitrary<Part> {
  if (!isObjectType(type) && !isInterfaceType(type)) return fc.constant({ text: '', variables: [] });
  const fields = Object.values(type.getFields()) as GraphQLField<unknown, unknown>[];
  const leaves = fields.filter(
    (field) => !isObjectType(getNamedType(field.type)) && !isInterfaceType(getNamedType(field.type)),
  );
  const eligible = depth >= 5 ? leaves : fields;
  if (eligible.length === 0) return fc.constant({ text: '{ __typename }', variables: [] });
  const field = (chosen: GraphQLField<unknown, unknown>) =>
    fc.tuple(wellFormedArguments(chosen), wellFormedSelectionSet(getNamedType(chosen.type), depth + 1)).map(
      ([args, inner]): Part => ({
        text: `${chosen.name}${args.text}${inner.text === '' ? '' : ` ${inner.text}`}`,
        variables: [...args.variables, ...inner.variables],
      }),
    );
  const fragments = isAbstractType(type)
    ? schema
        .getPossibleTypes(type)
        .map((possible) =>
          wellFormedSelectionSet(possible, depth + 1).map(
            (inner): Part => ({ ...inner, text: `... on ${possible.name} ${inner.text}` }),
          ),
        )
    : [];
  return fc
    .tuple(
      fc.uniqueArray(fc.constantFrom(...eligible), {
        minLength: 1,
        maxLength: 3,
        selector: (chosen) => chosen.name,
      }),
      fragments.length === 0 ? fc.constant([]) : fc.array(fc.oneof(...fragments), { maxLength: 1 }),
    )
    .chain(([chosen, extra]) => fc.tuple(...chosen.map(field)).map((parts) => [...parts, ...extra]))
    .map((parts) => {
      const all = join(parts, ' ');
      return { ...all, text: `{ ${all.text} }` };
    });
}

const wellFormed: fc.Arbitrary<Sample> = wellFormedSelectionSet(
  schema.getQueryType() ?? schema.getTypeMap().Query ?? (undefined as never),
  0,
).chain((part) =>
  fc
    .tuple(
      fc.tuple(
        ...part.variables.map((type) =>
          fc.oneof(
            { weight: 12, arbitrary: valueFor(type) },
            { weight: 1, arbitrary: fc.constant(undefined) },
          ),
        ),
      ),
      fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    )
    .map(([values, get]): Sample => {
      let index = 0;
      const text = part.text.replaceAll('$§', () => `$v${index++}`);
      const declared = part.variables.map((type, i) => `$v${i}: ${String(type)}`).join(', ');
      const entries = values.flatMap((value, i): [string, Json][] =>
        value === undefined ? [] : [[`v${i}`, value]],
      );
      return {
        document: `query W${declared === '' ? '' : `(${declared})`} ${text}`,
        operationName: undefined,
        variablesJson: entries.length === 0 ? undefined : toJson({ entries }),
        get,
      };
    }),
);

const garbage: fc.Arbitrary<Sample> = fc
  .tuple(
    fc.oneof(fc.string(), fc.constantFrom('{', '}', '{ campaigns(first: ', '"""', '# only a comment', '')),
    fc.boolean(),
  )
  .map(([document, get]) => ({ document, operationName: undefined, variablesJson: undefined, get }));

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({
    altur: { count: 30, seed: 7, rateLimit: false },
    auralytik: { count: 30, seed: 8 },
    alturRateLimitPerSecond: 10_000,
  });
});
afterAll(() => harness.close());

function upstreamCalls(): number {
  return harness.altur.requests.count() + harness.auralytik.requests.count();
}

async function send(sample: Sample) {
  const headers: Record<string, string> = { accept: 'application/json', 'x-graphql-csrf': '1' };
  let response: Response;
  if (sample.get) {
    const params = new URLSearchParams({ query: sample.document });
    if (sample.operationName !== undefined) params.set('operationName', sample.operationName);
    if (sample.variablesJson !== undefined) params.set('variables', sample.variablesJson);
    response = await harness.app.fetch(`http://gateway/graphql?${params}`, { headers });
  } else {
    const body = `{"query":${JSON.stringify(sample.document)}${
      sample.operationName === undefined ? '' : `,"operationName":${JSON.stringify(sample.operationName)}`
    }${sample.variablesJson === undefined ? '' : `,"variables":${sample.variablesJson}`}}`;
    response = await harness.app.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
    });
  }
  const text = await response.text();
  return { status: response.status, text };
}

interface Answer {
  data?: unknown;
  errors?: { message?: unknown; extensions?: { code?: unknown } }[];
}

describe('random documents and variables', () => {
  it('always answer with a client error or data, never a 500, and refusals call no provider', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 5, arbitrary: wellFormed },
          { weight: 4, arbitrary: operation },
          { weight: 1, arbitrary: garbage },
        ),
        async (sample) => {
          const before = upstreamCalls();
          const { status, text } = await send(sample);
          const calls = upstreamCalls() - before;
          const context = `${status} ${text.slice(0, 400)}`;
          expect(status, context).toBeLessThan(500);
          const answer = JSON.parse(text) as Answer;
          for (const error of answer.errors ?? []) {
            expect(typeof error.extensions?.code, context).toBe('string');
            expect(error.extensions?.code, context).not.toBe('INTERNAL_SERVER_ERROR');
            expect(typeof error.message, context).toBe('string');
          }
          if (!('data' in answer)) expect(calls, `${context}: refused, yet ${calls} upstream calls`).toBe(0);
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 500), interruptAfterTimeLimit: 60_000 },
    );
  }, 120_000);
});
