import { CAMPAIGN_CHANNELS, CAMPAIGN_STATUSES, type Campaign, type Provider } from '../domain/campaign.js';
import type { ProviderModule } from '../providers/provider.js';
import { type GatewayBuilder, type GatewayTypes, ID_DESCRIPTION } from './builder.js';
import { encodeGlobalId } from './globalId.js';

/** A provider's campaign type, by the provider's id. */
export function typeNames(modules: readonly ProviderModule[]): (provider: Provider) => string {
  const byProvider = new Map(modules.map((module) => [module.provider, module.typeName]));
  return (provider) => {
    const typeName = byProvider.get(provider);
    if (typeName === undefined) throw new Error(`no provider module for ${provider}`);
    return typeName;
  };
}

/**
 * The `id` of a provider's campaign type. A plain resolver: the relay plugin's node id (`builder.node`,
 * `t.globalID`) is async, which costs a promise and two microtasks for every campaign of every list.
 */
export function campaignIdField<T extends Campaign>(
  t: PothosSchemaTypes.ObjectFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<GatewayTypes>, T>,
  typeName: string,
) {
  return t.field({
    type: 'ID',
    description: ID_DESCRIPTION,
    resolve: (campaign) => encodeGlobalId(typeName, campaign.providerId),
  });
}

/** The shared types of campaigns, then each provider's own object type. */
export function defineCampaignTypes(builder: GatewayBuilder, modules: readonly ProviderModule[]) {
  const ProviderEnum = builder.enumType('Provider', {
    description: 'The upstream campaign API a campaign comes from.',
    values: Object.fromEntries(modules.map((module) => [module.provider, { value: module.provider }])),
  });

  const CampaignStatusEnum = builder.enumType('CampaignStatus', {
    description: `Lifecycle status, normalised across providers.
${modules.map((module) => module.docs.statuses).join('\n')}
A value a provider starts sending later maps to UNKNOWN; providerStatus keeps the raw value.`,
    values: CAMPAIGN_STATUSES,
  });

  const CampaignChannelEnum = builder.enumType('CampaignChannel', {
    description: `Channel, normalised. ${modules.map((module) => module.docs.channels).join('\n')} Anything else -> OTHER.`,
    values: CAMPAIGN_CHANNELS,
  });

  const typeNameOf = typeNames(modules);
  const typeOfCampaign = (campaign: Campaign) => typeNameOf(campaign.provider);

  const CampaignInterface = builder.interfaceRef<Campaign>('Campaign').implement({
    description: 'A campaign from any provider. Provider-specific fields live on the implementing types.',
    interfaces: [builder.nodeInterfaceRef()],
    resolveType: typeOfCampaign,
    fields: (t) => ({
      id: t.field({
        type: 'ID',
        description: ID_DESCRIPTION,
        resolve: (campaign) => encodeGlobalId(typeOfCampaign(campaign), campaign.providerId),
      }),
      provider: t.expose('provider', {
        type: ProviderEnum,
        description: 'The provider this campaign comes from.',
      }),
      providerId: t.exposeString('providerId', {
        description: "The campaign's id in its provider's own API (integer ids as decimal strings).",
      }),
      name: t.exposeString('name', { description: 'The campaign name.' }),
      description: t.exposeString('description', { nullable: true, description: 'Free-text description.' }),
      status: t.expose('status', {
        type: CampaignStatusEnum,
        description: 'Normalised lifecycle status.',
      }),
      providerStatus: t.exposeString('providerStatus', {
        description: 'The status exactly as the provider sent it.',
      }),
      channel: t.expose('channel', {
        type: CampaignChannelEnum,
        nullable: true,
        description: 'Null where the provider did not report the channel.',
      }),
      createdAt: t.expose('createdAt', {
        type: 'DateTime',
        description: 'When the campaign was created (UTC).',
      }),
    }),
  });

  for (const module of modules) module.defineGraphQLType(builder, CampaignInterface, module.typeName);
  return { ProviderEnum, CampaignStatusEnum, CampaignChannelEnum, CampaignInterface, typeNameOf };
}

export type CampaignTypes = ReturnType<typeof defineCampaignTypes>;
export type CampaignInterfaceRef = CampaignTypes['CampaignInterface'];
