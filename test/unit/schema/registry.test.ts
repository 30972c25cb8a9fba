import { readFileSync } from 'node:fs';
import { findBreakingChanges, buildSchema as fromSdl, GraphQLEnumType, GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Campaign } from '../../../src/domain/campaign.js';
import type { ProviderModule } from '../../../src/providers/provider.js';
import { PROVIDER_MODULES } from '../../../src/providers/registry.js';
import { buildSchema, printGatewaySchema, schema } from '../../../src/schema/index.js';

const contract = readFileSync(new URL('../../../contract/schema.graphql', import.meta.url), 'utf8');

/** Only what the schema reads of a module; its client is never created here. */
const extra: ProviderModule = {
  provider: 'EXTRA',
  label: 'Extra',
  typeName: 'ExtraCampaign',
  environment: {
    prefix: 'EXTRA',
    defaults: { baseUrl: 'http://127.0.0.1:1', rateLimitPerSecond: 1, maxConcurrency: 1, pollIntervalMs: 0 },
  },
  docs: { statuses: 'Extra: on -> RUNNING.', channels: 'Extra: voice -> VOICE.', exampleFields: 'name' },
  parseId: (raw) => raw,
  createClient: () => {
    throw new Error('not used by the schema');
  },
  defineGraphQLType: (builder, campaign) => {
    builder.node(builder.objectRef<Campaign>('ExtraCampaign'), {
      description: 'A campaign of the test-only provider.',
      interfaces: [campaign],
      id: { resolve: (item) => item.providerId },
      isTypeOf: (value) => (value as Campaign).provider === 'EXTRA',
      fields: () => ({}),
    });
  },
};

describe('the schema built from a registry', () => {
  const extended = buildSchema([...PROVIDER_MODULES, extra]);

  it('holds every module of the registry it is given: enum value, object type, descriptions', () => {
    const providers = extended.getType('Provider');
    expect(providers).toBeInstanceOf(GraphQLEnumType);
    expect((providers as GraphQLEnumType).getValues().map((value) => value.name)).toEqual([
      ...PROVIDER_MODULES.map((module) => module.provider),
      'EXTRA',
    ]);
    expect(extended.getType('ExtraCampaign')).toBeInstanceOf(GraphQLObjectType);
    expect(extended.getType('CampaignStatus')?.description).toContain('Extra: on -> RUNNING.');
  });

  it('leaves the default schema as it was, and breaks nothing of the contract', () => {
    expect(schema.getType('ExtraCampaign')).toBeUndefined();
    expect(printGatewaySchema()).toBe(printGatewaySchema(buildSchema()));
    expect(findBreakingChanges(fromSdl(contract), extended)).toEqual([]);
  });

  it('is built once per registry', () => {
    expect(buildSchema()).toBe(schema);
  });
});
