import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './campaign.js';
import './query.js';
import './events.js';

export const schema = builder.toSchema();

/** The committed schema.graphql: sorted, so that a diff shows only real changes. */
export function printGatewaySchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
