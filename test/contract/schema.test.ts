import { readFileSync } from 'node:fs';
import { buildSchema, findBreakingChanges, findDangerousChanges } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printGatewaySchema, schema } from '../../src/schema/index.js';

const committed = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
const contract = readFileSync(new URL('../../../shared/contract/schema.graphql', import.meta.url), 'utf8');
const liveContract = readFileSync(new URL('../../../shared/contract/live.graphql', import.meta.url), 'utf8');

describe('served schema', () => {
  it('matches the committed schema.graphql (run `npm run schema:print` after changing the schema)', () => {
    expect(printGatewaySchema()).toBe(committed);
  });

  it('does not break the public contract', () => {
    expect(findBreakingChanges(buildSchema(contract), schema)).toEqual([]);
  });

  it('does not break the live events contract (schema.graphql + live.graphql built together)', () => {
    expect(findBreakingChanges(buildSchema(`${contract}\n${liveContract}`), schema)).toEqual([]);
  });

  it('makes no dangerous change to the contract either (e.g. changed argument defaults)', () => {
    const dangerous = findDangerousChanges(buildSchema(contract), schema).filter(
      // Adding enum values or optional arguments is how the schema may grow; anything else is suspect.
      (change) => change.type !== 'VALUE_ADDED_TO_ENUM' && change.type !== 'OPTIONAL_ARG_ADDED',
    );
    expect(dangerous).toEqual([]);
  });

  it('describes every type and field', () => {
    const undocumented: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Boolean', 'ID', 'Float'].includes(type.name))
        continue;
      if (!type.description) undocumented.push(type.name);
      if ('getFields' in type) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) undocumented.push(`${type.name}.${field.name}`);
        }
      }
    }
    expect(undocumented).toEqual([]);
  });
});
