import type { Campaign } from '../../../src/domain/campaign.js';

/** Nimbus's own id for itself in the gateway: the `Provider` enum value and every campaign's `provider`. */
export const NIMBUS = 'NIMBUS';

export interface NimbusCampaign extends Campaign {
  provider: typeof NIMBUS;
  /** Who runs the campaign at Nimbus (a free-text login); null when nobody is assigned. */
  owner: string | null;
  /** 1 (highest) to 5; null when unset or out of that range. */
  priority: number | null;
}
