import { GraphQLError, locatedError, responsePathAsArray } from 'graphql';
import { readCampaignPage } from '../campaigns/connection.js';
import type { GatewayContext } from '../context.js';
import type { Campaign, CampaignChannel, CampaignFilter, CampaignStatus } from '../domain/campaign.js';
import type { ItemIssue } from '../domain/itemIssue.js';
import { BadUserInputError, UpstreamBadResponseError } from '../errors.js';
import type { ProviderModule } from '../providers/provider.js';
import type { GatewayBuilder } from './builder.js';
import type { CampaignTypes } from './campaign.js';
import { decodeGlobalId, malformedId } from './globalId.js';

const FILTER_DESCRIPTION = `All fields combine with AND; list fields match any of their values. A value that a provider
cannot express excludes that provider's campaigns, and the gateway does not call it.
An empty list matches nothing.`;

const CAMPAIGNS_DESCRIPTION = `Campaigns of every configured provider, merged newest first (createdAt descending).
Relay cursor connection: first/after forward, last/before backward, at most 100 a page.`;

/** The `CampaignFilter` argument as graphql-js hands it over. */
export interface CampaignFilterArgument {
  providers?: readonly string[] | null | undefined;
  status?: readonly CampaignStatus[] | null | undefined;
  channels?: readonly CampaignChannel[] | null | undefined;
  createdAfter?: Date | null | undefined;
  createdBefore?: Date | null | undefined;
  agentId?: string | null | undefined;
  includeArchived?: boolean | null | undefined;
}

export function normaliseFilter(input: CampaignFilterArgument | null | undefined): CampaignFilter {
  const filter: CampaignFilter = {
    providers: input?.providers ?? null,
    status: input?.status ?? null,
    channels: input?.channels ?? null,
    createdAfter: input?.createdAfter ?? null,
    createdBefore: input?.createdBefore ?? null,
    agentId: input?.agentId ?? null,
    includeArchived: input?.includeArchived ?? false,
  };
  if (filter.createdAfter && filter.createdBefore && filter.createdAfter > filter.createdBefore) {
    throw new BadUserInputError('`filter.createdAfter` must not be later than `filter.createdBefore`.', {
      argument: 'filter',
    });
  }
  return filter;
}

/** Malformed ids fail before any call; a well-formed id of a provider that is not configured is simply absent. */
async function loadCampaign(
  byTypeName: ReadonlyMap<string, ProviderModule>,
  context: GatewayContext,
  globalId: string,
  argument: string,
): Promise<Campaign | null> {
  const { typeName, providerId } = decodeGlobalId(globalId, argument);
  const module = byTypeName.get(typeName);
  const parsed = module?.parseId(providerId) ?? null;
  if (module === undefined || parsed === null) throw malformedId(argument);
  const session = context.sessions.get(module.provider);
  return session === undefined ? null : session.load(parsed);
}

/** The query fields: lookups by global id and the merged connection. */
export function defineQueryFields(
  builder: GatewayBuilder,
  types: CampaignTypes,
  modules: readonly ProviderModule[],
) {
  const byTypeName = new Map(modules.map((module) => [module.typeName, module]));
  const { CampaignChannelEnum, CampaignInterface, CampaignStatusEnum, ProviderEnum } = types;
  const CampaignFilterInput = builder.inputType('CampaignFilter', {
    description: FILTER_DESCRIPTION,
    fields: (t) => ({
      providers: t.field({
        type: [ProviderEnum],
        description: 'Only these providers. All configured providers when absent.',
      }),
      status: t.field({
        type: [CampaignStatusEnum],
        description: 'Only campaigns in one of these statuses.',
      }),
      channels: t.field({
        type: [CampaignChannelEnum],
        description:
          'Only campaigns on one of these channels. Campaigns of a provider that lists no channel carry the one they were read by.',
      }),
      createdAfter: t.field({ type: 'DateTime', description: 'Created at or after this instant.' }),
      createdBefore: t.field({ type: 'DateTime', description: 'Created at or before this instant.' }),
      agentId: t.string({
        description: 'The id of the agent that runs the campaign. Providers without agents are excluded.',
      }),
      includeArchived: t.boolean({
        defaultValue: false,
        description: 'Include archived campaigns (of the providers that archive campaigns).',
      }),
    }),
  });

  builder.queryFields((t) => ({
    node: t.field({
      type: builder.nodeInterfaceRef(),
      nullable: true,
      description: 'Any object by its global id; null when no provider has it.',
      args: { id: t.arg.id({ required: true, description: 'A global id from an `id` field.' }) },
      resolve: (_root, args, context) => loadCampaign(byTypeName, context, String(args.id), 'id'),
    }),
    nodes: t.field({
      type: [builder.nodeInterfaceRef()],
      nullable: { list: false, items: true },
      description:
        'Several objects by global id, in the order asked; null where no provider has one. Duplicate ids cost one lookup.',
      args: { ids: t.arg.idList({ required: true, description: 'Global ids from `id` fields.' }) },
      // A failed id is reported here rather than left as a rejected list item: graphql-jit drops such items
      // instead of nulling them, which would shift every later node out of its place.
      resolve: (_root, args, context, info) =>
        args.ids.map((id, index) =>
          loadCampaign(byTypeName, context, String(id), `ids[${index}]`).catch((error: unknown) => {
            if (!(error instanceof GraphQLError)) throw error;
            context.reportPartial(
              locatedError(error, info.fieldNodes, [...responsePathAsArray(info.path), index]),
            );
            return null;
          }),
        ),
    }),
    campaign: t.field({
      type: CampaignInterface,
      nullable: true,
      description: 'A campaign by its global id; null when no provider has it.',
      args: { id: t.arg.id({ required: true, description: 'A global id from a campaign `id` field.' }) },
      resolve: (_root, args, context) => loadCampaign(byTypeName, context, String(args.id), 'id'),
    }),
    campaigns: t.connection(
      {
        type: CampaignInterface,
        description: CAMPAIGNS_DESCRIPTION,
        args: {
          filter: t.arg({ type: CampaignFilterInput, description: 'Which campaigns; all when absent.' }),
        },
        resolve: async (_root, args, context, info) => {
          const filter = normaliseFilter(args.filter);
          const streams = [...context.sessions.values()].flatMap((session) => session.streams(filter));
          const page = await readCampaignPage(streams, args, context.cursors);
          const path = responsePathAsArray(info.path);
          for (const failure of page.failures) {
            context.reportPartial(
              new GraphQLError(failure.message, { path, extensions: failure.extensions }),
            );
          }
          for (const issue of page.issues) context.reportPartial(skippedItemError(issue, path));
          return page;
        },
      },
      {
        name: 'CampaignConnection',
        description: 'One page of campaigns, newest first, with the cursors to continue in either direction.',
        fields: (t) => ({
          totalCount: t.int({
            description: 'Campaigns matching the filter, summed over the providers that answered.',
            resolve: (connection) => (connection as unknown as { totalCount: number }).totalCount,
          }),
        }),
      },
      { name: 'CampaignEdge', description: 'A campaign and the cursor just after it.' },
    ),
  }));

  return { CampaignFilterInput };
}

/** A campaign a provider sent that failed validation: the page is served without it, and says so. */
function skippedItemError(issue: ItemIssue, path: readonly (string | number)[]): GraphQLError {
  const which = issue.providerId === null ? 'a campaign' : `campaign ${issue.providerId}`;
  const error = new UpstreamBadResponseError(
    issue.provider,
    `sent ${which} with an invalid field \`${issue.field}\` (${issue.message}); it was left out of the result.`,
  );
  return new GraphQLError(error.message, { path, extensions: error.extensions });
}
