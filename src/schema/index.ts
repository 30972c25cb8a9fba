import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import type { ProviderModule } from '../providers/provider.js';
import { PROVIDER_MODULES } from '../providers/registry.js';
import { createBuilder } from './builder.js';
import { defineCampaignTypes } from './campaign.js';
import { defineEventFields } from './events.js';
import { defineQueryFields } from './query.js';
import { defineScalars } from './scalars.js';

const built = new WeakMap<readonly ProviderModule[], GraphQLSchema>();

/**
 * The public schema for a registry: its Provider enum, its descriptions and one object type per provider.
 * Built once per registry (the same array gives the same schema).
 */
export function buildSchema(modules: readonly ProviderModule[] = PROVIDER_MODULES): GraphQLSchema {
  const cached = built.get(modules);
  if (cached !== undefined) return cached;
  const builder = createBuilder();
  defineScalars(builder);
  const campaignTypes = defineCampaignTypes(builder, modules);
  const queryTypes = defineQueryFields(builder, campaignTypes, modules);
  defineEventFields(builder, { ...campaignTypes, ...queryTypes });
  const schema = builder.toSchema();
  built.set(modules, schema);
  return schema;
}

/** The schema of the registry in src/providers/registry.ts: what `main` serves. */
export const schema = buildSchema();

/** The committed schema.graphql: sorted, so that a diff shows only real changes. */
export function printGatewaySchema(served: GraphQLSchema = schema): string {
  return `${printSchema(lexicographicSortSchema(served))}\n`;
}
