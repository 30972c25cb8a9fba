import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client/core/index.js';
import { relayStylePagination } from '@apollo/client/utilities/index.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateAlturDataset, generateAuralytikDataset } from '../../tools/simulators/index.js';
import { type GraphQLResponse, type Harness, startHarness } from '../support/harness.js';

const CAMPAIGNS = gql`
  query Campaigns($after: String) {
    campaigns(first: 7, after: $after) {
      totalCount
      edges { cursor node { id providerId provider createdAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

interface Result {
  campaigns: {
    totalCount: number;
    edges: { cursor: string; node: { id: string; providerId: string; provider: string } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({
    altur: { dataset: generateAlturDataset({ count: 33, seed: 21 }), rateLimit: false },
    auralytik: { dataset: generateAuralytikDataset({ count: 29, seed: 22 }) },
    alturRateLimitPerSecond: 1000,
  });
});
afterAll(() => harness.close());

it('pages to the end with Apollo Client relayStylePagination and fetchMore, matching raw requests', async () => {
  const client = new ApolloClient({
    link: new HttpLink({ uri: harness.url, fetch }),
    cache: new InMemoryCache({
      possibleTypes: {
        Campaign: ['AlturCampaign', 'AuralytikCampaign'],
        Node: ['AlturCampaign', 'AuralytikCampaign'],
      },
      typePolicies: { Query: { fields: { campaigns: relayStylePagination(['filter']) } } },
    }),
  });
  const observable = client.watchQuery<Result>({ query: CAMPAIGNS });
  let result = await observable.result();
  for (let guard = 0; result.data.campaigns.pageInfo.hasNextPage && guard < 50; guard++) {
    await observable.fetchMore({ variables: { after: result.data.campaigns.pageInfo.endCursor } });
    result = observable.getCurrentResult() as typeof result;
  }
  const viaApollo = result.data.campaigns.edges.map((edge) => edge.node.id);

  const viaRaw: string[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 50; guard++) {
    const response: GraphQLResponse<Result> = await harness.query<Result>(CAMPAIGNS.loc?.source.body ?? '', {
      after,
    });
    const page: Result['campaigns'] | undefined = response.data?.campaigns;
    if (!page) throw new Error(response.text);
    viaRaw.push(...page.edges.map((edge) => edge.node.id));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }

  expect(viaApollo).toEqual(viaRaw);
  expect(viaApollo.length).toBe(result.data.campaigns.totalCount);
  expect(new Set(viaApollo).size).toBe(viaApollo.length);
  client.stop();
});
