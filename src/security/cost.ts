import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getOperationAST,
  Kind,
  type SelectionSetNode,
  type ValueNode,
  valueFromASTUntyped,
} from 'graphql';

/**
 * What one operation asks of the providers, counted before anything runs. Every object field costs 1, and a
 * field that lists items multiplies the cost of what is selected under it (at least 1 per item): `first`/
 * `last` by their value (default page size when absent), `ids` by the number of ids. Both sides of every fragment are counted, so
 * the figure is an upper bound whatever types the providers return.
 *
 * A page size above the largest the schema accepts counts as that largest: the field itself rejects it with
 * BAD_USER_INPUT, which says more than a cost would.
 *
 * `campaigns(first: 100) { edges { node { id name } } }` costs 1 + 100 × 2 = 201.
 */
export function operationCost(
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  operationName: string | null | undefined,
  pages: CostOptions,
): number {
  const operation = getOperationAST(document, operationName);
  if (!operation) return 0;
  // A variable the request leaves out takes its default: `$n: Int = 100` must count as 100.
  const vars: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue !== undefined) {
      vars[definition.variable.name.value] = valueFromASTUntyped(definition.defaultValue);
    }
  }
  Object.assign(vars, variables ?? {});
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }

  const costOf = (selectionSet: SelectionSetNode, inFragments: ReadonlySet<string>): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.selectionSet === undefined) continue;
        const times = multiplier(selection, vars, pages);
        const each = costOf(selection.selectionSet, inFragments);
        // An item is upstream work even when only its scalars are selected.
        total += 1 + times * (times === 1 ? each : Math.max(1, each));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        total += costOf(selection.selectionSet, inFragments);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // A cycle is a validation error reported elsewhere; here it must only not recurse forever.
        if (fragment === undefined || inFragments.has(name)) continue;
        total += costOf(fragment.selectionSet, new Set(inFragments).add(name));
      }
      if (total > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
    }
    return total;
  };
  return Math.min(costOf(operation.selectionSet, new Set()), Number.MAX_SAFE_INTEGER);
}

export interface CostOptions {
  defaultPageSize: number;
  maxPageSize: number;
  /** Fields that return a connection: without `first`/`last` they still list a default page. */
  connectionFields: ReadonlySet<string>;
}

function multiplier(
  field: FieldNode,
  variables: Readonly<Record<string, unknown>>,
  pages: CostOptions,
): number {
  let pageSize: number | null = null;
  let idCount: number | null = null;
  for (const argument of field.arguments ?? []) {
    const value = resolve(argument.value, variables);
    const name = argument.name.value;
    if ((name === 'first' || name === 'last') && typeof value === 'number') {
      pageSize = Math.max(pageSize ?? 0, value);
    } else if (name === 'ids' && Array.isArray(value)) {
      idCount = value.length;
    }
  }
  if (idCount !== null) return Math.max(idCount, 0);
  if (pageSize !== null) return Math.min(Math.max(pageSize, 0), pages.maxPageSize);
  return pages.connectionFields.has(field.name.value) ? pages.defaultPageSize : 1;
}

function resolve(value: ValueNode, variables: Readonly<Record<string, unknown>>): unknown {
  switch (value.kind) {
    case Kind.VARIABLE:
      return variables[value.name.value];
    case Kind.INT:
      return Number.parseInt(value.value, 10);
    case Kind.LIST:
      return value.values;
    default:
      return undefined;
  }
}
