import { createServer } from 'node:http';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { GraphQLScalarType } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { alturListQuery } from '../traffic.js';
import { alturItems } from './floorPage.js';
import { serve, upstreamPages, upstreamsFromArgv } from './serve.js';

// Anchor (b) of issue 11: plain graphql-yoga + graphql-jit, the same libraries as the gateway with none of its
// plugins. One resolver makes one undici call for the Altur page the gateway fetches and returns its 100
// items; default resolvers do the rest. It answers the bench's campaigns document (it ignores `providers`:
// it knows one provider). What is left between it and the gateway's one-provider row is the gateway's own
// per-request and per-item work.
// Usage: node yogaJit.js '<upstreams JSON>'; stdout carries one JSON line with its URL.

const config = upstreamsFromArgv();
const altur = upstreamPages(config.altur, `api-key ${config.altur.apiKey}`);

const typeDefs = /* GraphQL */ `
  scalar DateTime
  enum Provider { ALTUR AURALYTIK }
  enum CampaignStatus { PENDING READY RUNNING PAUSED COOLDOWN COMPLETED UNKNOWN }
  enum CampaignChannel { VOICE WHATSAPP OTHER }
  input CampaignFilter { providers: [Provider!] createdBefore: DateTime }
  type Campaign { id: ID! name: String! status: CampaignStatus! channel: CampaignChannel createdAt: DateTime! }
  type CampaignEdge { node: Campaign! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type CampaignConnection { edges: [CampaignEdge!]! pageInfo: PageInfo! }
  type Query { campaigns(first: Int, filter: CampaignFilter): CampaignConnection! }
`;

const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize: (value) => (value instanceof Date ? value.toISOString() : String(value)),
  parseValue: (value) => new Date(String(value)),
});

interface Args {
  filter?: { createdBefore?: Date | null } | null;
}

const schema = createSchema({
  typeDefs,
  resolvers: {
    DateTime,
    Query: {
      campaigns: async (_root: unknown, args: Args) => {
        const before = args.filter?.createdBefore ?? new Date(8.64e15);
        const body = await altur.get(alturListQuery(before.toISOString()));
        const items = alturItems(body);
        const last = items[items.length - 1];
        return {
          edges: items.map((item) => ({ node: { ...item, createdAt: new Date(item.createdAtMs) } })),
          pageInfo: {
            hasNextPage: true,
            endCursor: last === undefined ? null : Buffer.from(last.id).toString('base64url'),
          },
        };
      },
    },
  },
});

const yoga = createYoga({
  schema,
  plugins: [useGraphQlJit()],
  graphiql: false,
  landingPage: false,
  logging: false,
});

await serve(createServer(yoga), () => altur.close());
