import { isInterfaceType, isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PROVIDER_MODULES } from '../../../src/providers/registry.js';
import { buildSchema } from '../../../src/schema/index.js';

// graphql-jit reads a field without a resolver inline. A field with one costs a call with its own resolve
// info and path objects, so a field that only reads its parent's property of the same name must have none:
// `node` and a campaign's fields are resolved once per edge (about 600 bytes of garbage an edge).

const RESOLVED_ON_PURPOSE = new Set([
  'Query.campaign',
  'Query.campaigns',
  'Query.node',
  'Query.nodes',
  'Subscription.campaignEvents',
  'CampaignConnection.totalCount',
  'CampaignEvent.campaign',
  'CampaignEvent.campaignId',
  // A list page leaves the schedule as text (src/http/deferredMembers.ts): it is parsed when selected.
  'AlturCampaign.schedule',
]);

describe('the served schema', () => {
  const schema = buildSchema(PROVIDER_MODULES);
  const resolved = Object.values(schema.getTypeMap())
    .filter((type) => !type.name.startsWith('__'))
    .flatMap((type) =>
      isObjectType(type) || isInterfaceType(type)
        ? Object.values(type.getFields())
            .filter((field) => field.resolve !== undefined)
            .map((field) => `${type.name}.${field.name}`)
        : [],
    );

  it('resolves only the fields that compute something: ids and the root fields', () => {
    const others = resolved.filter((name) => !RESOLVED_ON_PURPOSE.has(name) && !name.endsWith('.id'));
    expect(others).toEqual([]);
  });

  it('reads an edge, its node and the page info inline', () => {
    for (const name of ['CampaignEdge.node', 'CampaignConnection.edges', 'CampaignConnection.pageInfo']) {
      expect(resolved).not.toContain(name);
    }
  });
});
