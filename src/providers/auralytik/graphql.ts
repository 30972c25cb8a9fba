import type { GatewayBuilder } from '../../schema/builder.js';
import { type CampaignInterfaceRef, campaignIdField } from '../../schema/campaign.js';
import { AURALYTIK_CAMPAIGN_TYPES, type AuralytikCampaign } from './campaign.js';

/** Its campaign type and the object types only it uses; called once, by the schema. */
export function defineAuralytikType(
  builder: GatewayBuilder,
  campaign: CampaignInterfaceRef,
  typeName: string,
): void {
  const AuralytikCampaignTypeEnum = builder.enumType('AuralytikCampaignType', {
    description: 'Auralytik campaign kind: VoiceBot -> VOICE_BOT, Flow -> FLOW, anything else -> UNKNOWN.',
    values: AURALYTIK_CAMPAIGN_TYPES,
  });

  builder.objectRef<AuralytikCampaign>(typeName).implement({
    description: 'A campaign from Auralytik (VoiceBot and Flow campaigns).',
    interfaces: [campaign, builder.nodeInterfaceRef()],
    isTypeOf: (value) =>
      typeof value === 'object' && value !== null && 'provider' in value && value.provider === 'AURALYTIK',
    fields: (t) => ({
      id: campaignIdField(t, typeName),
      type: t.expose('type', {
        type: AuralytikCampaignTypeEnum,
        description: 'VoiceBot or Flow.',
      }),
      channelType: t.exposeString('channelType', {
        nullable: true,
        description: 'The channel exactly as the provider sent it.',
      }),
      startDate: t.expose('startDate', {
        type: 'DateTime',
        nullable: true,
        description: 'When the campaign starts.',
      }),
      endDate: t.expose('endDate', {
        type: 'DateTime',
        nullable: true,
        description: 'When the campaign ends.',
      }),
    }),
  });
}
