import { CAMPAIGN_CHANNELS, CAMPAIGN_STATUSES, type Campaign } from '../domain/campaign.js';
import { PROVIDER_MODULES } from '../providers/registry.js';
import { builder } from './builder.js';

export const ProviderEnum = builder.enumType('Provider', {
  description: 'The upstream campaign API a campaign comes from.',
  values: Object.fromEntries(PROVIDER_MODULES.map((module) => [module.provider, { value: module.provider }])),
});

export const CampaignStatusEnum = builder.enumType('CampaignStatus', {
  description: `Lifecycle status, normalised across providers.
${PROVIDER_MODULES.map((module) => module.docs.statuses).join('\n')}
A value a provider starts sending later maps to UNKNOWN; providerStatus keeps the raw value.`,
  values: CAMPAIGN_STATUSES,
});

export const CampaignChannelEnum = builder.enumType('CampaignChannel', {
  description: `Channel, normalised. ${PROVIDER_MODULES.map((module) => module.docs.channels).join('\n')} Anything else -> OTHER.`,
  values: CAMPAIGN_CHANNELS,
});

const TYPE_NAME = new Map(PROVIDER_MODULES.map((module) => [module.provider, module.typeName]));

/** A campaign's GraphQL type: its provider's. */
export function typeNameOf(campaign: Campaign): string {
  const typeName = TYPE_NAME.get(campaign.provider);
  if (typeName === undefined) throw new Error(`no provider module for ${campaign.provider}`);
  return typeName;
}

export const CampaignInterface = builder.interfaceRef<Campaign>('Campaign').implement({
  description: 'A campaign from any provider. Provider-specific fields live on the implementing types.',
  interfaces: [builder.nodeInterfaceRef()],
  resolveType: typeNameOf,
  fields: (t) => ({
    id: t.globalID({
      description: 'Globally unique, opaque id; pass it to `node`, `nodes` or `campaign`.',
      resolve: (campaign) => ({ type: typeNameOf(campaign), id: campaign.providerId }),
    }),
    provider: t.field({
      type: ProviderEnum,
      description: 'The provider this campaign comes from.',
      resolve: (c) => c.provider,
    }),
    providerId: t.exposeString('providerId', {
      description: "The campaign's id in its provider's own API (integer ids as decimal strings).",
    }),
    name: t.exposeString('name', { description: 'The campaign name.' }),
    description: t.exposeString('description', { nullable: true, description: 'Free-text description.' }),
    status: t.field({
      type: CampaignStatusEnum,
      description: 'Normalised lifecycle status.',
      resolve: (c) => c.status,
    }),
    providerStatus: t.exposeString('providerStatus', {
      description: 'The status exactly as the provider sent it.',
    }),
    channel: t.field({
      type: CampaignChannelEnum,
      nullable: true,
      description: 'Null where the provider did not report the channel.',
      resolve: (c) => c.channel,
    }),
    createdAt: t.expose('createdAt', {
      type: 'DateTime',
      description: 'When the campaign was created (UTC).',
    }),
  }),
});

export type CampaignInterfaceRef = typeof CampaignInterface;

/** Returns true for a campaign of `provider`: how a provider's object type claims its campaigns. */
export const isProvider = (provider: Campaign['provider']) => (value: unknown) =>
  typeof value === 'object' && value !== null && 'provider' in value && value.provider === provider;

for (const module of PROVIDER_MODULES) module.defineGraphQLType(builder, CampaignInterface);
