import type { GatewayBuilder } from '../../../src/schema/builder.js';
import { type CampaignInterfaceRef, campaignIdField } from '../../../src/schema/campaign.js';
import { NIMBUS, type NimbusCampaign } from './campaign.js';

/** Its campaign type; called once, by the schema. */
export function defineNimbusType(
  builder: GatewayBuilder,
  campaign: CampaignInterfaceRef,
  typeName: string,
): void {
  builder.objectRef<NimbusCampaign>(typeName).implement({
    description: 'A campaign from Nimbus (voice only).',
    interfaces: [campaign, builder.nodeInterfaceRef()],
    isTypeOf: (value) =>
      typeof value === 'object' && value !== null && 'provider' in value && value.provider === NIMBUS,
    fields: (t) => ({
      id: campaignIdField(t, typeName),
      owner: t.exposeString('owner', {
        nullable: true,
        description: 'Who runs the campaign at Nimbus; null when nobody is assigned.',
      }),
      priority: t.exposeInt('priority', {
        nullable: true,
        description: '1 (highest) to 5; null when unset.',
      }),
    }),
  });
}
