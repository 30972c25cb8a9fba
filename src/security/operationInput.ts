import { createRequire } from 'node:module';
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLInputType,
  type GraphQLSchema,
  getOperationAST,
  getVariableValues,
  isInputObjectType,
  isInputType,
  isListType,
  isNonNullType,
  type OperationDefinitionNode,
  typeFromAST,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { BadRequestError, BadUserInputError } from '../errors.js';

/**
 * "Operation Type Existence" from the GraphQL spec (graphql-js 17 ships it as KnownOperationTypesRule; 16 does
 * not). Without it `mutation { … }` on a schema with no Mutation type passes validation, and graphql-jit then
 * throws a plain Error while compiling, which the client sees as a 500.
 */
export const KnownOperationTypesRule: ValidationRule = (context: ValidationContext) => ({
  OperationDefinition(node) {
    if (context.getSchema().getRootType(node.operation) === undefined) {
      context.reportError(
        new GraphQLError(
          `This API has no ${node.operation} operations. Send a query (\`query { … }\` or \`{ … }\`).`,
          { nodes: node },
        ),
      );
    }
  },
});

export type CoercedOperation =
  | { ok: true; operation: OperationDefinitionNode; variables: Record<string, unknown> }
  | { ok: false; errors: readonly GraphQLError[] };

/** At most this many variable errors are reported: enough to fix a request, too few to amplify a big one. */
const MAX_VARIABLE_ERRORS = 10;

/**
 * The operation a request selects and its variables coerced to their declared types, as graphql-js would do at
 * the start of execution; any failure is the client's, with a code and a 400. This runs before the cost is
 * counted (which needs `first: $n` as an Int) and before graphql-jit, whose own coercion errors carry no code.
 */
export function coerceOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  inputs: unknown,
): CoercedOperation {
  const operation = getOperationAST(document, operationName);
  if (operation === null || operation === undefined) {
    const named = typeof operationName === 'string' && operationName !== '';
    return {
      ok: false,
      errors: [
        new BadRequestError(
          named
            ? `The document has no operation named "${operationName.slice(0, 100)}". Send an \`operationName\` the document defines.`
            : 'The document has several operations. Send `operationName` to say which one to run.',
        ),
      ],
    };
  }
  if (inputs !== undefined && inputs !== null && (typeof inputs !== 'object' || Array.isArray(inputs))) {
    return {
      ok: false,
      errors: [new BadRequestError('`variables` must be a JSON object of variable names to values.')],
    };
  }
  // A copy without a prototype: a `__proto__` key in the JSON is then a plain (unknown) variable name.
  const own: Record<string, unknown> = Object.assign(Object.create(null), inputs ?? {});
  // graphql-jit's coercion, compiled once per operation, answers valid variables (~1 µs against ~30 for
  // graphql-js's walk of the input types). Its verdict is held to graphql-js's by a property test
  // (test/unit/security/operationInput.test.ts); graphql-js still words every refusal, as it always has.
  const compiled = compiledVariables(schema, operation);
  const fast = compiled?.parse(own);
  if (
    compiled !== null &&
    fast !== undefined &&
    !failToParseVariables(fast) &&
    !compiled.types.some(([name, type]) => arrayForInputObject(type, own[name]))
  ) {
    return { ok: true, operation, variables: fast.coerced };
  }
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], own, {
    maxErrors: MAX_VARIABLE_ERRORS,
  });
  if (coerced.errors !== undefined) {
    return {
      ok: false,
      errors: coerced.errors.map(
        (error) =>
          new BadUserInputError(
            withAdvice(error.message),
            { http: { status: 400 } },
            error.nodes ?? undefined,
          ),
      ),
    };
  }
  return { ok: true, operation, variables: coerced.coerced };
}

// Required, not imported: graphql-jit's ES build of this module imports './generate' without an extension,
// which Node refuses. Its CommonJS build is the one graphql-jit's own entry point loads.
const { compileVariableParsing, failToParseVariables } = createRequire(import.meta.url)(
  'graphql-jit/dist/variables',
) as typeof import('graphql-jit/dist/variables');

interface CompiledVariables {
  parse: ReturnType<typeof compileVariableParsing>;
  types: (readonly [string, GraphQLInputType])[];
}

const compiledByOperation = new WeakMap<
  GraphQLSchema,
  WeakMap<OperationDefinitionNode, CompiledVariables | null>
>();

/** Null where graphql-jit cannot compile the definitions (a type that is not an input type): graphql-js says why. */
function compiledVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
): CompiledVariables | null {
  let bySchema = compiledByOperation.get(schema);
  if (bySchema === undefined) {
    bySchema = new WeakMap();
    compiledByOperation.set(schema, bySchema);
  }
  let compiled = bySchema.get(operation);
  if (compiled === undefined) {
    const definitions = operation.variableDefinitions ?? [];
    const types = definitions.flatMap((definition) => {
      const type = typeFromAST(schema, definition.type);
      return isInputType(type) ? [[definition.variable.name.value, type] as const] : [];
    });
    try {
      compiled =
        types.length === definitions.length
          ? { parse: compileVariableParsing(schema, definitions), types }
          : null;
    } catch {
      compiled = null;
    }
    bySchema.set(operation, compiled);
  }
  return compiled;
}

/**
 * Where graphql-jit 0.8.9 and graphql-js 16 part (found by the property test): for an input object, graphql-jit
 * takes an empty array (it has no unknown keys), and graphql-js refuses any array. Such a value goes to graphql-js.
 */
function arrayForInputObject(type: GraphQLInputType, value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (isNonNullType(type)) return arrayForInputObject(type.ofType, value);
  if (isListType(type)) {
    return Array.isArray(value)
      ? value.some((item: unknown) => arrayForInputObject(type.ofType, item))
      : arrayForInputObject(type.ofType, value);
  }
  if (!isInputObjectType(type)) return false;
  if (Array.isArray(value)) return true;
  const fields = type.getFields();
  for (const name of Object.keys(fields)) {
    const field = fields[name];
    if (field !== undefined && Object.hasOwn(value, name)) {
      if (arrayForInputObject(field.type, (value as Record<string, unknown>)[name])) return true;
    }
  }
  return false;
}

function withAdvice(message: string): string {
  const sentence = message.endsWith('.') ? message : `${message}.`;
  return /^Too many errors/.test(message)
    ? `${sentence} Fix the variables listed before this one first.`
    : `${sentence} Send a value of the variable's declared type.`;
}
