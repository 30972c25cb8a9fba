import { existsSync, readFileSync } from 'node:fs';
import { buildSchema, findBreakingChanges, findDangerousChanges } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printGatewaySchema, schema } from '../../src/schema/index.js';

const read = (relative: string) => readFileSync(new URL(relative, import.meta.url), 'utf8');

const committed = read('../../schema.graphql');
// The repository carries its own copy of the public contract, so a clone alone can run every test.
const contract = read('../../contract/schema.graphql');
const live = read('../../contract/live.graphql');

describe('served schema', () => {
  it('matches the committed schema.graphql (run `npm run schema:print` after changing the schema)', () => {
    expect(printGatewaySchema()).toBe(committed);
  });

  it('does not break the public contract', () => {
    expect(findBreakingChanges(buildSchema(contract), schema)).toEqual([]);
  });

  it('does not break the live events contract (schema.graphql + live.graphql built together)', () => {
    expect(findBreakingChanges(buildSchema(`${contract}\n${live}`), schema)).toEqual([]);
  });

  it('makes no dangerous change to the contract either (e.g. changed argument defaults)', () => {
    const dangerous = findDangerousChanges(buildSchema(contract), schema).filter(
      // Adding enum values or optional arguments is how the schema may grow; anything else is suspect.
      (change) => change.type !== 'VALUE_ADDED_TO_ENUM' && change.type !== 'OPTIONAL_ARG_ADDED',
    );
    expect(dangerous).toEqual([]);
  });

  it('has a live-events contract that builds together with the main one', () => {
    expect(() => buildSchema(`${contract}\n${live}`)).not.toThrow();
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

// Where the shared folder sits beside the checkout (a developer's machine, CI), the vendored copy must be
// byte-for-byte the published one: drift is caught here, and `cp ../shared/contract/*.graphql contract/` fixes it.
describe.each(['schema.graphql', 'live.graphql'])('vendored contract/%s', (file) => {
  const published = new URL(`../../../shared/contract/${file}`, import.meta.url);
  it.skipIf(!existsSync(published))(`equals ../shared/contract/${file}`, () => {
    expect(read(`../../contract/${file}`)).toBe(readFileSync(published, 'utf8'));
  });
});
