import fc from 'fast-check';
import {
  type GraphQLInputType,
  GraphQLList,
  GraphQLNonNull,
  getNamedType,
  getVariableValues,
  isEnumType,
  isInputObjectType,
  isInputType,
  isListType,
  isNonNullType,
  Kind,
  type OperationDefinitionNode,
  parse,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { PROVIDER_MODULES } from '../../../src/providers/registry.js';
import { buildSchema } from '../../../src/schema/index.js';
import { coerceOperation } from '../../../src/security/operationInput.js';

// coerceOperation answers valid variables with graphql-jit's compiled coercion and hands anything it refuses to
// graphql-js. That is only sound if the two agree on what is valid and on what it becomes: this holds them to
// each other for random variable types of the served schema and random values, well-typed and not.

const schema = buildSchema(PROVIDER_MODULES);
const inputTypes = [
  'CampaignFilter',
  'Provider',
  'CampaignStatus',
  'DateTime',
  'ID',
  'Int',
  'String',
  'Boolean',
]
  .map((name) => schema.getType(name))
  .flatMap((type) => (isInputType(type) ? [type] : []));

const wrapped: fc.Arbitrary<GraphQLInputType> = fc
  .tuple(fc.constantFrom(...inputTypes), fc.array(fc.constantFrom('list', 'nonNull'), { maxLength: 3 }))
  .map(([named, wrappers]) => {
    let type: GraphQLInputType = named;
    for (const wrapper of wrappers) {
      if (wrapper === 'list') type = new GraphQLList(type);
      else if (!isNonNullType(type)) type = new GraphQLNonNull(type);
    }
    return type;
  });

const anyJson = fc.jsonValue({ maxDepth: 2 });
const instants = fc.oneof(
  fc
    .date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true })
    .map((date) => date.toISOString()),
  fc.constantFrom(
    '2026-01-02T03:04:05Z',
    '2026-01-02T03:04:05.678+02:00',
    '2026-13-01T00:00:00Z',
    'yesterday',
    '',
  ),
);

/** A value shaped like `type` most of the time, with wrong and missing parts mixed in. */
function valueOf(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type))
    return fc.oneof({ weight: 6, arbitrary: valueOf(type.ofType, depth) }, fc.constant(null));
  if (isListType(type)) {
    return fc.oneof(
      { weight: 4, arbitrary: fc.array(valueOf(type.ofType, depth + 1), { maxLength: 3 }) },
      { weight: 2, arbitrary: valueOf(type.ofType, depth + 1) },
      fc.constant(null),
    );
  }
  const named = getNamedType(type);
  if (isInputObjectType(named)) {
    if (depth > 2) return anyJson;
    const fields = Object.values(named.getFields());
    const record = fc.record(
      Object.fromEntries(fields.map((field) => [field.name, valueOf(field.type, depth + 1)])),
      { requiredKeys: [] },
    );
    return fc.oneof(
      { weight: 6, arbitrary: record },
      {
        weight: 1,
        arbitrary: fc
          .tuple(record, fc.string({ maxLength: 8 }), anyJson)
          .map(([r, k, v]) => ({ ...r, [k]: v })),
      },
      { weight: 1, arbitrary: anyJson },
    );
  }
  if (isEnumType(named)) {
    const values = named.getValues().map((value) => value.name);
    return fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...values) },
      fc.string({ maxLength: 10 }),
      anyJson,
    );
  }
  switch (named.name) {
    case 'DateTime':
      return fc.oneof({ weight: 4, arbitrary: instants }, anyJson);
    case 'Int':
      return fc.oneof(
        fc.integer(),
        fc.double(),
        fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 1.5, '3', Number.MAX_SAFE_INTEGER),
        anyJson,
      );
    case 'Boolean':
      return fc.oneof(fc.boolean(), anyJson);
    default:
      return fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.double(), anyJson);
  }
}

const cases = fc
  .array(wrapped, { minLength: 1, maxLength: 3 })
  .chain((types) =>
    fc.tuple(
      fc.constant(types),
      fc.tuple(...types.map((type) => fc.option(valueOf(type), { nil: undefined, freq: 5 }))),
    ),
  );

function operationFor(types: readonly GraphQLInputType[]): OperationDefinitionNode {
  const definitions = types.map((type, index) => `$v${index}: ${String(type)}`).join(', ');
  const document = parse(`query (${definitions}) { __typename }`);
  const operation = document.definitions[0];
  if (operation?.kind !== 'OperationDefinition') throw new Error('no operation');
  return operation;
}

describe('coerceOperation', () => {
  it('accepts exactly what graphql-js accepts, coerced as graphql-js coerces it', () => {
    fc.assert(
      fc.property(cases, ([types, values]) => {
        const operation = operationFor(types);
        const document = { kind: Kind.DOCUMENT, definitions: [operation] } as const;
        const inputs: Record<string, unknown> = {};
        values.forEach((value, index) => {
          if (value !== undefined) inputs[`v${index}`] = value;
        });
        const reference = getVariableValues(schema, operation.variableDefinitions ?? [], inputs);
        const answer = coerceOperation(schema, document, undefined, inputs);
        expect(answer.ok).toBe(reference.errors === undefined);
        if (answer.ok) expect(answer.variables).toEqual(reference.coerced);
      }),
      { numRuns: 3000 },
    );
  });

  it('words a refusal as graphql-js does, with a code and advice', () => {
    const document = parse('query ($filter: CampaignFilter) { __typename }');
    const answer = coerceOperation(schema, document, undefined, { filter: { providers: ['NOPE'] } });
    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(answer.errors.map((error) => [error.message, error.extensions.code])).toEqual([
      [
        expect.stringMatching(
          /^Variable "\$filter" got invalid value "NOPE" at "filter\.providers\[0\]"; .*Send a value of the variable's declared type\.$/,
        ),
        'BAD_USER_INPUT',
      ],
    ]);
  });
});
