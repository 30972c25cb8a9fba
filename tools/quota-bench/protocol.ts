import { z } from 'zod';

// What the simulator runner (simulators.ts) and the bench (run.ts) say to each other, parsed on the
// bench's side so that a change on one side fails loudly instead of producing a wrong table.

export const PROVIDER_NAMES = ['ALTUR', 'AURALYTIK'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

const providerName = z.enum(PROVIDER_NAMES);

export const simulatorsReadySchema = z.object({
  altur: z.object({ url: z.string(), apiKey: z.string() }),
  auralytik: z.object({ url: z.string(), apiKey: z.string() }),
  control: z.string(),
});
export type SimulatorsReady = z.infer<typeof simulatorsReadySchema>;

const createdCampaignSchema = z.object({
  provider: providerName,
  /** The provider's own id, as the gateway's `providerId` field shows it. */
  id: z.string(),
  /** Epoch ms (Date.now() in the runner) just after the campaign was created. */
  at: z.number(),
});
export type CreatedCampaign = z.infer<typeof createdCampaignSchema>;

const providerStatsSchema = z.object({
  requests: z.number(),
  /** HTTP status sent (`none` for a request left unanswered) -> count. */
  byStatus: z.record(z.string(), z.number()),
  /** The most requests that arrived within any 1 s window. */
  maxInAnySecond: z.number(),
});
export type ProviderStats = z.infer<typeof providerStatsSchema>;

export const simulatorStatsSchema = z.object({
  at: z.number(),
  startedAt: z.number().nullable(),
  providers: z.object({ ALTUR: providerStatsSchema, AURALYTIK: providerStatsSchema }),
  created: z.array(createdCampaignSchema),
});
export type SimulatorStats = z.infer<typeof simulatorStatsSchema>;
