import {
  type AlturCampaign,
  AURALYTIK_CAMPAIGN_TYPES,
  type AuralytikCampaign,
  CAMPAIGN_CHANNELS,
  CAMPAIGN_STATUSES,
  type Campaign,
  type CampaignCycle,
  type DaySchedule,
  PROVIDERS,
  type WeeklySchedule,
} from '../domain/campaign.js';
import { builder } from './builder.js';

export const ProviderEnum = builder.enumType('Provider', {
  description: 'The upstream campaign API a campaign comes from.',
  values: Object.fromEntries(PROVIDERS.map((value) => [value, { value }])) as Record<
    (typeof PROVIDERS)[number],
    { value: (typeof PROVIDERS)[number] }
  >,
});

export const CampaignStatusEnum = builder.enumType('CampaignStatus', {
  description: `Lifecycle status, normalised across providers.
Altur: pending -> PENDING, ready -> READY, active -> RUNNING, inactive -> PAUSED,
cooldown -> COOLDOWN, finished -> COMPLETED.
Auralytik: Running -> RUNNING, Paused -> PAUSED, Completed -> COMPLETED.
A value a provider starts sending later maps to UNKNOWN; providerStatus keeps the raw value.`,
  values: CAMPAIGN_STATUSES,
});

export const CampaignChannelEnum = builder.enumType('CampaignChannel', {
  description: `Channel, normalised. Altur integration phone_call -> VOICE, whatsapp -> WHATSAPP.
Auralytik channelType Voice -> VOICE, WhatsApp -> WHATSAPP. Anything else -> OTHER.`,
  values: CAMPAIGN_CHANNELS,
});

const AuralytikCampaignTypeEnum = builder.enumType('AuralytikCampaignType', {
  description: 'Auralytik campaign kind: VoiceBot -> VOICE_BOT, Flow -> FLOW, anything else -> UNKNOWN.',
  values: AURALYTIK_CAMPAIGN_TYPES,
});

const TYPE_NAME = { ALTUR: 'AlturCampaign', AURALYTIK: 'AuralytikCampaign' } as const;

export const CampaignInterface = builder.interfaceRef<Campaign>('Campaign').implement({
  description: 'A campaign from any provider. Provider-specific fields live on the implementing types.',
  interfaces: [builder.nodeInterfaceRef()],
  resolveType: (campaign) => TYPE_NAME[campaign.provider],
  fields: (t) => ({
    id: t.globalID({
      description: 'Globally unique, opaque id; pass it to `node`, `nodes` or `campaign`.',
      resolve: (campaign) => ({ type: TYPE_NAME[campaign.provider], id: campaign.providerId }),
    }),
    provider: t.field({
      type: ProviderEnum,
      description: 'The provider this campaign comes from.',
      resolve: (c) => c.provider,
    }),
    providerId: t.exposeString('providerId', {
      description: "The campaign's id in its provider's own API (Altur's integer ids as decimal strings).",
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

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

const WeeklyScheduleType = builder.objectRef<WeeklySchedule>('WeeklySchedule').implement({
  description: 'The days and hours a campaign may run, in its own timezone.',
  fields: (t) =>
    Object.fromEntries(
      DAYS.map((day) => [
        day,
        t.field({
          type: DayScheduleType,
          nullable: true,
          description: `The ${day} window; null when the provider sent none.`,
          resolve: (schedule) => schedule[day],
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

const isProvider = (provider: Campaign['provider']) => (value: unknown) =>
  typeof value === 'object' && value !== null && 'provider' in value && value.provider === provider;

export const AlturCampaignType = builder.node(builder.objectRef<AlturCampaign>('AlturCampaign'), {
  description: 'A campaign from Altur (voice and WhatsApp agents).',
  interfaces: [CampaignInterface],
  id: { resolve: (campaign) => campaign.providerId },
  isTypeOf: isProvider('ALTUR'),
  fields: (t) => ({
    agent: t.field({
      type: AlturAgentType,
      nullable: true,
      description: 'The agent that runs the campaign.',
      resolve: (c) => c.agent,
    }),
    timezone: t.exposeString('timezone', {
      nullable: true,
      description: 'IANA time zone of the schedule, e.g. America/Mexico_City.',
    }),
    schedule: t.field({
      type: WeeklyScheduleType,
      nullable: true,
      description: 'When the campaign may run, per day of the week.',
      resolve: (c) => c.schedule,
    }),
    retries: t.exposeInt('retries', { nullable: true, description: 'Attempts per contact.' }),
    concurrency: t.exposeInt('concurrency', { nullable: true, description: 'Calls or chats run at once.' }),
    archived: t.exposeBoolean('archived', {
      description: 'Archived campaigns are listed only with includeArchived.',
    }),
    template: t.exposeString('template', { nullable: true, description: 'The message template, when any.' }),
    firstMessage: t.exposeString('firstMessage', {
      nullable: true,
      description: 'The opening message the agent says or sends.',
    }),
    cycle: t.field({
      type: CampaignCycleType,
      nullable: true,
      description: 'The retry loop; null when Altur sent no cycle settings.',
      resolve: (c) => c.cycle,
    }),
  }),
});

export const AuralytikCampaignType = builder.node(builder.objectRef<AuralytikCampaign>('AuralytikCampaign'), {
  description: 'A campaign from Auralytik (VoiceBot and Flow campaigns).',
  interfaces: [CampaignInterface],
  id: { resolve: (campaign) => campaign.providerId },
  isTypeOf: isProvider('AURALYTIK'),
  fields: (t) => ({
    type: t.field({
      type: AuralytikCampaignTypeEnum,
      description: 'VoiceBot or Flow.',
      resolve: (c) => c.type,
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
