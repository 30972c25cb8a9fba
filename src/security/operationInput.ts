import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  getVariableValues,
  type OperationDefinitionNode,
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

function withAdvice(message: string): string {
  const sentence = message.endsWith('.') ? message : `${message}.`;
  return /^Too many errors/.test(message)
    ? `${sentence} Fix the variables listed before this one first.`
    : `${sentence} Send a value of the variable's declared type.`;
}
