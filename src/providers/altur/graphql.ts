import type { GatewayBuilder } from '../../schema/builder.js';
import { type CampaignInterfaceRef, campaignIdField } from '../../schema/campaign.js';
import type { AlturCampaign, CampaignCycle, DaySchedule, WeeklySchedule } from './campaign.js';
import { alturSchedule } from './mapping.js';

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

/** Its campaign type and the object types only it uses; called once, by the schema. */
export function defineAlturType(
  builder: GatewayBuilder,
  campaign: CampaignInterfaceRef,
  typeName: string,
): void {
  const AlturAgentType = builder.objectRef<NonNullable<AlturCampaign['agent']>>('AlturAgent').implement({
    description: 'The Altur agent (voice or chat bot) assigned to a campaign.',
    fields: (t) => ({
      id: t.exposeString('id', { description: "The agent's id in Altur." }),
      name: t.exposeString('name', { nullable: true, description: "The agent's display name." }),
    }),
  });

  const DayScheduleType = builder.objectRef<DaySchedule>('DaySchedule').implement({
    description: 'When a campaign may run on one day of the week.',
    fields: (t) => ({
      active: t.exposeBoolean('active', { description: 'Whether the campaign runs on this day.' }),
      startTime: t.exposeString('startTime', {
        nullable: true,
        description: "Local time in the campaign's timezone, as the provider sent it (e.g. 09:00).",
      }),
      endTime: t.exposeString('endTime', {
        nullable: true,
        description: "Local end time in the campaign's timezone, as the provider sent it (e.g. 18:00).",
      }),
    }),
  });

  const WeeklyScheduleType = builder.objectRef<WeeklySchedule>('WeeklySchedule').implement({
    description: 'The days and hours a campaign may run, in its own timezone.',
    fields: (t) =>
      Object.fromEntries(
        DAYS.map((day) => [
          day,
          t.expose(day, {
            type: DayScheduleType,
            nullable: true,
            description: `The ${day} window; null when the provider sent none.`,
          }),
        ]),
      ),
  });

  const CampaignCycleType = builder.objectRef<CampaignCycle>('CampaignCycle').implement({
    description:
      "Altur's retry loop: the campaign re-runs over contacts whose status or tags match, with a cooldown between iterations.",
    fields: (t) => ({
      enabled: t.exposeBoolean('enabled', { description: 'Whether the campaign cycles at all.' }),
      maxIterations: t.exposeInt('maxIterations', {
        nullable: true,
        description: 'Most iterations it will run.',
      }),
      cooldownMinutes: t.exposeInt('cooldownMinutes', {
        nullable: true,
        description: 'Minutes to wait between iterations.',
      }),
      statusFilters: t.exposeStringList('statusFilters', {
        description: 'Contact statuses that are retried in the next iteration.',
      }),
      tagFilters: t.exposeStringList('tagFilters', {
        description: 'Contact tags that are retried in the next iteration.',
      }),
      currentIteration: t.exposeInt('currentIteration', {
        nullable: true,
        description: 'The iteration now running.',
      }),
      lastIterationAt: t.expose('lastIterationAt', {
        type: 'DateTime',
        nullable: true,
        description: 'When the last iteration started.',
      }),
    }),
  });

  builder.objectRef<AlturCampaign>(typeName).implement({
    description: 'A campaign from Altur (voice and WhatsApp agents).',
    interfaces: [campaign, builder.nodeInterfaceRef()],
    isTypeOf: (value) =>
      typeof value === 'object' && value !== null && 'provider' in value && value.provider === 'ALTUR',
    fields: (t) => ({
      id: campaignIdField(t, typeName),
      agent: t.expose('agent', {
        type: AlturAgentType,
        nullable: true,
        description: 'The agent that runs the campaign.',
      }),
      timezone: t.exposeString('timezone', {
        nullable: true,
        description: 'IANA time zone of the schedule, e.g. America/Mexico_City.',
      }),
      schedule: t.field({
        type: WeeklyScheduleType,
        nullable: true,
        description: 'When the campaign may run, per day of the week.',
        resolve: (campaign) => alturSchedule(campaign),
      }),
      retries: t.exposeInt('retries', { nullable: true, description: 'Attempts per contact.' }),
      concurrency: t.exposeInt('concurrency', { nullable: true, description: 'Calls or chats run at once.' }),
      archived: t.exposeBoolean('archived', {
        description: 'Archived campaigns are listed only with includeArchived.',
      }),
      template: t.exposeString('template', {
        nullable: true,
        description: 'The message template, when any.',
      }),
      firstMessage: t.exposeString('firstMessage', {
        nullable: true,
        description: 'The opening message the agent says or sends.',
      }),
      cycle: t.expose('cycle', {
        type: CampaignCycleType,
        nullable: true,
        description: 'The retry loop; null when Altur sent no cycle settings.',
      }),
    }),
  });
}
