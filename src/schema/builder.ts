import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import type { GatewayContext } from '../context.js';
import { encodeGlobalId } from './globalId.js';

/** Every campaign `id`, and Node's: one sentence, so the printed schema says it once. */
export const ID_DESCRIPTION = 'Globally unique, opaque id; pass it to `node`, `nodes` or `campaign`.';

export interface GatewayTypes {
  Context: GatewayContext;
  Scalars: { DateTime: { Input: Date; Output: Date } };
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
  DefaultFieldNullability: false;
}

/**
 * Marks a relay field as reading the parent's property of its own name, as `t.expose` marks its fields, so
 * that it gets no resolver. graphql-jit reads a field without a resolver inline; one with a resolver costs a
 * call with its own resolve info and path objects, and `node` is resolved once per edge.
 */
function exposes(name: string): { pothosExposedField: string } {
  return { pothosExposedField: name };
}

/**
 * A builder of its own per schema: a schema holds the providers of the registry it is built from, so a
 * gateway can serve a registry a test extends without touching the default one.
 */
export function createBuilder() {
  const builder = new SchemaBuilder<GatewayTypes>({
    defaultFieldNullability: false,
    plugins: [RelayPlugin],
    relay: {
      cursorType: 'String',
      clientMutationId: 'omit',
      // Our own node/nodes fields reject malformed ids with BAD_USER_INPUT before any upstream call.
      nodeQueryOptions: false,
      nodesQueryOptions: false,
      encodeGlobalID: (typeName, id) => encodeGlobalId(typeName, String(id)),
      edgesFieldOptions: {
        nullable: { list: false, items: false },
        description: 'The campaigns of this page, newest first, each with its cursor.',
        extensions: exposes('edges'),
      },
      nodeFieldOptions: { nullable: false, description: 'The campaign.', extensions: exposes('node') },
      pageInfoFieldOptions: {
        description: 'Where this page sits and the cursors to continue from.',
        extensions: exposes('pageInfo'),
      },
      nodeTypeOptions: {
        description: 'An object with a globally unique, opaque ID (Relay Global Object Identification).',
      },
      pageInfoTypeOptions: { description: 'Where a page sits in the whole connection.' },
      idFieldOptions: {
        description: ID_DESCRIPTION,
      },
      hasNextPageFieldOptions: {
        description:
          'Paging forward: more campaigns follow this page (or a provider failed and may have more). Paging backward: true exactly when `before` was given.',
      },
      hasPreviousPageFieldOptions: {
        description:
          'Paging backward: more campaigns precede this page (or a provider failed and may have more). Paging forward: true exactly when `after` was given.',
      },
      startCursorFieldOptions: { description: "The first edge's cursor; null when the page is empty." },
      endCursorFieldOptions: { description: "The last edge's cursor; null when the page is empty." },
      cursorFieldOptions: { description: 'Opaque. Valid only with the same filter it was issued under.' },
    },
  });
  builder.queryType({ description: 'The campaign gateway: every configured provider behind one API.' });
  return builder;
}

export type GatewayBuilder = ReturnType<typeof createBuilder>;
