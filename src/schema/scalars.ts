import { Kind } from 'graphql';
import { BadUserInputError } from '../errors.js';
import { builder } from './builder.js';

// Full date-time with an explicit zone: a zone-less instant would mean different things on different servers.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

function parseInstant(value: unknown): Date {
  if (typeof value === 'string' && ISO_INSTANT.test(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new BadUserInputError(
    'DateTime must be an ISO 8601 date-time with a time zone, e.g. 2024-01-10T09:00:00Z.',
  );
}

builder.scalarType('DateTime', {
  description: 'An instant in ISO 8601, always rendered in UTC, e.g. 2024-01-10T09:00:00.000Z.',
  serialize: (value) => value.toISOString(),
  parseValue: parseInstant,
  parseLiteral: (ast) => parseInstant(ast.kind === Kind.STRING ? ast.value : undefined),
});
