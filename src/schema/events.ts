import { GraphQLError } from 'graphql';
import { LiveEvents, type LivePayload } from '../events/live.js';
import type { CAMPAIGN_EVENT_TYPES, CampaignEvent } from '../events/types.js';
import type { GatewayBuilder } from './builder.js';
import type { CampaignTypes } from './campaign.js';
import { encodeGlobalId } from './globalId.js';
import { type defineQueryFields, normaliseFilter } from './query.js';

const SUBSCRIPTION_DESCRIPTION = `Changes to campaigns that match the filter, as they happen. At least once: with \`after\`, the stream
starts just after that event (within the gateway's retention), so a client that reconnects misses nothing.`;

/** The subscription: live campaign events. */
export function defineEventFields(
  builder: GatewayBuilder,
  types: CampaignTypes & Pick<ReturnType<typeof defineQueryFields>, 'CampaignFilterInput'>,
): void {
  const { CampaignInterface, CampaignStatusEnum, ProviderEnum, CampaignFilterInput, typeNameOf } = types;

  const CampaignEventTypeEnum = builder.enumType('CampaignEventType', {
    description: 'What happened to a campaign.',
    values: {
      STATUS_CHANGED: {
        description: 'The provider reported a new status (from a provider webhook, or seen by polling).',
      },
      CYCLE_COMPLETED: { description: 'A cycle iteration finished (campaigns with cycles).' },
      CREATED: { description: 'A campaign the gateway had not seen before appeared (seen by polling).' },
      UPDATED: { description: 'Other fields of a campaign changed (seen by polling).' },
    } satisfies Record<(typeof CAMPAIGN_EVENT_TYPES)[number], { description: string }>,
  });

  const CampaignEventRef = builder.objectRef<CampaignEvent>('CampaignEvent').implement({
    description: 'One change to one campaign, as the gateway learned it.',
    fields: (t) => ({
      id: t.exposeID('id', {
        description:
          "Position of this event in the gateway's event log: pass it as `after` to resume after it.",
      }),
      type: t.expose('type', {
        type: CampaignEventTypeEnum,
        description: 'What happened.',
      }),
      provider: t.expose('provider', {
        type: ProviderEnum,
        description: 'The provider of the campaign.',
      }),
      occurredAt: t.expose('occurredAt', {
        type: 'DateTime',
        description: 'When the provider says it happened (UTC).',
      }),
      campaignId: t.id({
        description: "The campaign's Node id.",
        resolve: (event) => encodeGlobalId(typeNameOf(event.provider), event.providerId),
      }),
      campaign: t.field({
        type: CampaignInterface,
        nullable: true,
        description: 'The campaign as the gateway can load it now; null if it cannot.',
        resolve: (event, _args, context) => context.live?.events.campaignOf(event) ?? null,
      }),
      status: t.expose('status', {
        type: CampaignStatusEnum,
        nullable: true,
        description: 'The status after the event, where the event carries one.',
      }),
      previousStatus: t.expose('previousStatus', {
        type: CampaignStatusEnum,
        nullable: true,
        description: 'The status before the event, where known.',
      }),
    }),
  });

  builder.subscriptionType({
    description: 'Live campaign events, over SSE (`Accept: text/event-stream`) or WebSocket.',
  });

  builder.subscriptionField('campaignEvents', (t) =>
    t.field({
      type: CampaignEventRef,
      description: SUBSCRIPTION_DESCRIPTION,
      args: {
        filter: t.arg({ type: CampaignFilterInput, description: 'Which campaigns; all when absent.' }),
        after: t.arg.id({
          description:
            'Resume just after this event id. Over SSE a `Last-Event-ID` header does the same when `after` is absent.',
        }),
      },
      subscribe: async (_root, args, context) => {
        const live = context.live;
        if (live === undefined) throw new GraphQLError('Live events are not served here.');
        const filter = normaliseFilter(args.filter);
        const after =
          args.after === null || args.after === undefined
            ? LiveEvents.parseAfter(live.lastEventId, 'Last-Event-ID')
            : LiveEvents.parseAfter(String(args.after), 'after');
        return live.events.open(live.client, filter, after, live.signal);
      },
      resolve: (payload: LivePayload, _args, context) => {
        if ('error' in payload) throw payload.error;
        if (context.live !== undefined) context.live.delivered = payload.event.id;
        return payload.event;
      },
    }),
  );
}
