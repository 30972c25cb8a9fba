import { useGraphQlJit } from '@envelop/graphql-jit';
import { type DocumentNode, GraphQLError, Kind, type SelectionSetNode, type Source } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';

/**
 * graphql-jit, held to answer byte for byte as graphql-js does (test/e2e/fast-path.test.ts). Where it cannot, the
 * document runs on graphql-js:
 *
 * - A document with @skip or @include. graphql-jit collects each selection's fields once, when it compiles, and
 *   tests the conditions as it runs: a key whose first occurrence is skipped keeps that first place (graphql-js
 *   puts it where it is first included), and a fragment spread twice, once under a false condition, loses its
 *   fields at both spreads (`...F @include(if: false) ...F`: the condition is stored on F's shared field nodes).
 *
 * Where it only words its answer differently, the answer is reworded:
 *
 * - A resolver's error carries `locations` that yoga drops (yoga rebuilds every error from `nodes`, or `source`
 *   and `positions`, which graphql-jit's errors lack): the error is rebuilt from the positions those locations
 *   stand for.
 * - A result with errors lists `data` first; graphql-js lists `errors` first.
 */
export function useCompiledExecution(): (Plugin | ReturnType<typeof useGraphQlJit>)[] {
  const compiled = (document: DocumentNode) => !hasConditions(document);
  const reworded: Plugin = {
    onExecute({ args }) {
      if (!compiled(args.document)) return;
      return {
        onExecuteDone({ result, setResult }) {
          if (isAsyncIterable(result)) return;
          const { errors, ...rest } = result;
          if (errors === undefined || errors.length === 0) return;
          const source = args.document.loc?.source;
          setResult({ errors: errors.map((error) => located(error, source)), ...rest });
        },
      };
    },
  };
  return [useGraphQlJit({}, { enableIf: ({ document }) => compiled(document) }), reworded];
}

const conditionsByDocument = new WeakMap<DocumentNode, boolean>();

/** Whether any field, fragment spread or inline fragment of the document has @skip or @include. */
function hasConditions(document: DocumentNode): boolean {
  let known = conditionsByDocument.get(document);
  if (known === undefined) {
    known = document.definitions.some(
      (definition) =>
        (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION) &&
        selectsConditionally(definition.selectionSet),
    );
    conditionsByDocument.set(document, known);
  }
  return known;
}

function selectsConditionally(selectionSet: SelectionSetNode | undefined): boolean {
  return (
    selectionSet?.selections.some(
      (selection) =>
        (selection.directives ?? []).some(
          (directive) => directive.name.value === 'skip' || directive.name.value === 'include',
        ) ||
        ('selectionSet' in selection && selectsConditionally(selection.selectionSet)),
    ) ?? false
  );
}

/** The error as graphql-js would have located it: from the source and the positions its locations stand for. */
function located(error: GraphQLError, source: Source | undefined): GraphQLError {
  const { locations } = error;
  if (locations === undefined || error.nodes !== undefined || error.positions !== undefined || !source) {
    return error;
  }
  const lineStarts = [0];
  for (const lineBreak of source.body.matchAll(/\r\n|[\n\r]/g)) {
    lineStarts.push(lineBreak.index + lineBreak[0].length);
  }
  const positions = locations.map(({ line, column }) => (lineStarts[line - 1] ?? 0) + column - 1);
  return new GraphQLError(error.message, {
    source,
    positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}
