import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CampaignChannel, CampaignStatus } from '../../../src/domain/campaign.js';
import { CAMPAIGN_CHANNELS, CAMPAIGN_STATUSES } from '../../../src/domain/campaign.js';
import { UpstreamBadResponseError } from '../../../src/errors.js';
import type { AlturCampaign } from '../../../src/providers/altur/campaign.js';
import {
  alturIntegrationToChannel,
  alturStatusToDomain,
  domainChannelToAlturIntegration,
  domainStatusToAltur,
  mapAlturDetail,
  mapAlturItem,
  mapAlturItems,
} from '../../../src/providers/altur/mapping.js';
import { parseAlturDetail, parseAlturList } from '../../../src/providers/altur/schemas.js';

const day = (startTime: string, endTime: string, active: boolean) => ({ startTime, endTime, active });

/** The seed's spelling of every field. */
const seedItem = {
  id: 123,
  name: 'Cobranza octubre',
  description: 'Recordatorios de pago',
  status: 'active',
  created_at: '2025-10-03T19:11:39Z',
  agent: { id: 'agent_1', name: 'Sofía' },
  scheduling: {
    mon: day('09:00', '18:00', true),
    tue: day('09:00', '18:00', true),
    wed: day('09:00', '18:00', true),
    thu: day('09:00', '18:00', true),
    fri: day('09:00', '17:00', true),
    sat: day('10:00', '14:00', false),
    sun: day('00:00', '00:00', false),
  },
  timezone: 'America/Mexico_City',
  retries: 3,
  concurrency: 5,
  archived: true,
  template: 'tpl_cobranza',
  first_message: 'Hola',
  cycle_enabled: true,
  cycle_max_iterations: 4,
  cycle_cooldown: 60,
  cycle_status_filters: ['no_answer', 'busy'],
  cycle_tag_filters: ['vip'],
  cycle_current_iteration: 2,
  last_iteration_at: '2025-10-04 08:00:00',
};

const seedCampaign: AlturCampaign = {
  provider: 'ALTUR',
  providerId: '123',
  name: 'Cobranza octubre',
  description: 'Recordatorios de pago',
  status: 'RUNNING',
  providerStatus: 'active',
  channel: null,
  createdAt: new Date('2025-10-03T19:11:39.000Z'),
  agent: { id: 'agent_1', name: 'Sofía' },
  timezone: 'America/Mexico_City',
  schedule: {
    monday: { active: true, startTime: '09:00', endTime: '18:00' },
    tuesday: { active: true, startTime: '09:00', endTime: '18:00' },
    wednesday: { active: true, startTime: '09:00', endTime: '18:00' },
    thursday: { active: true, startTime: '09:00', endTime: '18:00' },
    friday: { active: true, startTime: '09:00', endTime: '17:00' },
    saturday: { active: false, startTime: '10:00', endTime: '14:00' },
    sunday: { active: false, startTime: '00:00', endTime: '00:00' },
  },
  retries: 3,
  concurrency: 5,
  archived: true,
  template: 'tpl_cobranza',
  firstMessage: 'Hola',
  cycle: {
    enabled: true,
    maxIterations: 4,
    cooldownMinutes: 60,
    statusFilters: ['no_answer', 'busy'],
    tagFilters: ['vip'],
    currentIteration: 2,
    lastIterationAt: new Date('2025-10-04T08:00:00.000Z'),
  },
};

/** The newer docs' spelling of every field that has two. */
const {
  concurrency: _c,
  cycle_cooldown: _cc,
  cycle_status_filters: _csf,
  cycle_tag_filters: _ctf,
  last_iteration_at: _lia,
  scheduling: _s,
  ...common
} = seedItem;
const newerItem = {
  ...common,
  id: '123',
  scheduling: { mon: { startTime: '09:00', stopTime: '18:00', active: true } },
  concurrency_limit: 5,
  cycle_cooldown_minutes: 60,
  cycle_filter_statuses: ['no_answer', 'busy'],
  cycle_filter_tags: ['vip'],
  cycle_last_iteration_at: '2025-10-04T08:00:00.000Z',
};

const minimalItem = { id: 7, name: 'Mínima', status: 'pending', created_at: '2024-01-15' };

function mapOk(raw: unknown, channel: CampaignChannel | null = null): AlturCampaign {
  const result = mapAlturItem(raw, channel);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(raw)} to map: ${result.issue.message}`);
  return result.campaign;
}

describe('mapAlturItem', () => {
  it('maps every field of the seed spelling', () => {
    expect(mapOk(seedItem)).toEqual(seedCampaign);
  });

  it('maps the newer spellings to the same values', () => {
    expect(mapOk(newerItem)).toEqual({
      ...seedCampaign,
      schedule: {
        monday: { active: true, startTime: '09:00', endTime: '18:00' },
        tuesday: null,
        wednesday: null,
        thursday: null,
        friday: null,
        saturday: null,
        sunday: null,
      },
    });
  });

  it('prefers the documented spelling when both are sent', () => {
    const campaign = mapOk({ ...seedItem, concurrency_limit: 99, cycle_cooldown_minutes: 1 });
    expect(campaign.concurrency).toBe(5);
    expect(campaign.cycle?.cooldownMinutes).toBe(60);
  });

  it('defaults everything optional on a minimal item', () => {
    expect(mapOk(minimalItem)).toEqual({
      provider: 'ALTUR',
      providerId: '7',
      name: 'Mínima',
      description: null,
      status: 'PENDING',
      providerStatus: 'pending',
      channel: null,
      createdAt: new Date('2024-01-15T00:00:00.000Z'),
      agent: null,
      timezone: null,
      schedule: null,
      retries: null,
      concurrency: null,
      archived: false,
      template: null,
      firstMessage: null,
      cycle: null,
    } satisfies AlturCampaign);
  });

  it('treats explicit nulls like absent fields', () => {
    const nulls = Object.fromEntries(Object.keys(seedItem).map((key) => [key, null]));
    expect(mapOk({ ...nulls, ...minimalItem })).toEqual(mapOk(minimalItem));
  });

  it('turns wrong-typed optional fields into null instead of failing the item', () => {
    const campaign = mapOk({
      ...minimalItem,
      description: 42,
      agent: 'agent_1',
      scheduling: { mon: 'always', tue: { startTime: 9, endTime: '18:00', active: 'yes' } },
      timezone: ['UTC'],
      retries: 1.5,
      concurrency: '5',
      archived: 'true',
      template: {},
      first_message: false,
      cycle_max_iterations: 2 ** 40,
      cycle_status_filters: ['ok', 3, null, 'also'],
      cycle_tag_filters: 'vip',
      last_iteration_at: 'soon',
    });
    expect(campaign).toMatchObject({
      description: null,
      agent: null,
      schedule: { monday: null, tuesday: { active: false, startTime: null, endTime: '18:00' } },
      timezone: null,
      retries: null,
      concurrency: null,
      archived: false,
      template: null,
      firstMessage: null,
      cycle: {
        enabled: false,
        maxIterations: null,
        cooldownMinutes: null,
        statusFilters: ['ok', 'also'],
        tagFilters: [],
        currentIteration: null,
        lastIterationAt: null,
      },
    });
  });

  it('builds a cycle from any single cycle field, with empty filter lists by default', () => {
    expect(mapOk({ ...minimalItem, cycle_enabled: false }).cycle).toEqual({
      enabled: false,
      maxIterations: null,
      cooldownMinutes: null,
      statusFilters: [],
      tagFilters: [],
      currentIteration: null,
      lastIterationAt: null,
    });
    expect(mapOk({ ...minimalItem, cycle_current_iteration: 1 }).cycle?.currentIteration).toBe(1);
  });

  it('accepts a numeric agent id and a numeric-string campaign id', () => {
    const campaign = mapOk({ ...minimalItem, id: '0042', agent: { id: 9 } });
    expect(campaign.providerId).toBe('42');
    expect(campaign.agent).toEqual({ id: '9', name: null });
  });

  it.each([
    ['2025-10-03 19:11:39', '2025-10-03T19:11:39.000Z'],
    ['2025-10-03T19:11:39', '2025-10-03T19:11:39.000Z'],
    ['2025-10-03T19:11:39.5Z', '2025-10-03T19:11:39.500Z'],
    ['2025-10-03T21:11:39+02:00', '2025-10-03T19:11:39.000Z'],
    ['2025-10-03', '2025-10-03T00:00:00.000Z'],
  ])('reads created_at %j as %s', (createdAt, iso) => {
    expect(mapOk({ ...minimalItem, created_at: createdAt }).createdAt.toISOString()).toBe(iso);
  });

  it.each<[string, CampaignStatus]>([
    ['pending', 'PENDING'],
    ['ready', 'READY'],
    ['active', 'RUNNING'],
    ['inactive', 'PAUSED'],
    ['cooldown', 'COOLDOWN'],
    ['finished', 'COMPLETED'],
    ['ACTIVE', 'RUNNING'],
    [' Finished ', 'COMPLETED'],
    ['archived', 'UNKNOWN'],
    ['constructor', 'UNKNOWN'],
    ['', 'UNKNOWN'],
  ])('maps status %j to %s and keeps the raw value', (status, expected) => {
    const campaign = mapOk({ ...minimalItem, status });
    expect(campaign.status).toBe(expected);
    expect(campaign.providerStatus).toBe(status);
  });

  it('takes the channel from the caller', () => {
    expect(mapOk(minimalItem, 'WHATSAPP').channel).toBe('WHATSAPP');
    expect(mapOk(minimalItem, null).channel).toBeNull();
  });

  it.each([
    ['id', { ...minimalItem, id: undefined }, 'id'],
    ['a non-integer id', { ...minimalItem, id: 1.5 }, 'id'],
    ['a negative id', { ...minimalItem, id: -1 }, 'id'],
    ['a non-numeric id', { ...minimalItem, id: 'abc' }, 'id'],
    ['name', { ...minimalItem, name: null }, 'name'],
    ['status', { ...minimalItem, status: 3 }, 'status'],
    ['created_at', { ...minimalItem, created_at: undefined }, 'created_at'],
    ['an unreadable created_at', { ...minimalItem, created_at: '<string>' }, 'created_at'],
  ])('fails an item with a missing or bad %s', (_label, raw, field) => {
    const result = mapAlturItem(raw, null);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issue.field).toBe(field);
  });

  it('fails a non-object item with an empty field path', () => {
    expect(mapAlturItem('campaign', null)).toEqual({
      ok: false,
      issue: {
        provider: 'ALTUR',
        providerId: null,
        field: '',
        message: 'Invalid input: expected object, received string',
      },
    });
  });
});

describe('mapAlturItems', () => {
  it('skips an invalid item with a precise issue and maps the rest', () => {
    const { campaigns, issues } = mapAlturItems(
      [seedItem, { ...minimalItem, id: 8, created_at: 'last tuesday' }, minimalItem],
      'VOICE',
    );
    expect(campaigns.map((campaign) => campaign.providerId)).toEqual(['123', '7']);
    expect(campaigns.every((campaign) => campaign.channel === 'VOICE')).toBe(true);
    expect(issues).toEqual([
      {
        provider: 'ALTUR',
        providerId: '8',
        field: 'campaigns[1].created_at',
        message: 'not a timestamp: "last tuesday"',
      },
    ]);
  });

  it('names the item itself when it is not an object, and cuts long raw ids', () => {
    const { issues } = mapAlturItems([null, { id: 'x'.repeat(500) }], null);
    expect(issues[0]).toMatchObject({ field: 'campaigns[0]', providerId: null });
    expect(issues[1]?.field).toBe('campaigns[1].id');
    expect(issues[1]?.providerId).toHaveLength(60);
    expect(issues[1]?.message).toMatch(/and \d+ more/);
  });
});

describe('mapAlturDetail', () => {
  const {
    cycle_enabled: _e,
    cycle_max_iterations: _m,
    cycle_current_iteration: _i,
    ...withoutCycle
  } = seedItem;
  const detailItem = {
    ...withoutCycle,
    cycle_cooldown: undefined,
    cycle_status_filters: undefined,
    cycle_tag_filters: undefined,
    last_iteration_at: undefined,
    integration: { id: 'int_1', type: 'whatsapp' },
    cycles: {
      enabled: true,
      max_iterations: 4,
      cooldown_minutes: 60,
      filter_statuses: ['no_answer', 'busy'],
      filter_tags: ['vip'],
      current_iteration: 2,
      last_iteration_at: '2025-10-04T08:00:00Z',
    },
    analytics: { calls: 10 },
  };

  it('maps the nested cycles and the integration type', () => {
    const result = mapAlturDetail(detailItem);
    expect(result).toEqual({ ok: true, campaign: { ...seedCampaign, channel: 'WHATSAPP' } });
  });

  it('accepts the list spellings inside cycles', () => {
    const result = mapAlturDetail({
      ...detailItem,
      cycles: {
        enabled: true,
        max_iterations: 4,
        cooldown: 60,
        status_filters: ['no_answer', 'busy'],
        tag_filters: ['vip'],
        current_iteration: 2,
        last_iteration_at: '2025-10-04 08:00:00',
      },
    });
    expect(result.ok && result.campaign.cycle).toEqual(seedCampaign.cycle);
  });

  it('falls back to the flat list fields when cycles is absent', () => {
    const result = mapAlturDetail({ ...seedItem, integration: { id: 1 } });
    expect(result).toEqual({ ok: true, campaign: seedCampaign });
  });

  it.each<[unknown, CampaignChannel | null, CampaignChannel | null]>([
    [{ id: 1, type: 'phone_call' }, null, 'VOICE'],
    [{ id: 1, type: 'WhatsApp' }, 'VOICE', 'WHATSAPP'],
    [{ id: 1, type: 'email' }, null, 'OTHER'],
    [{ id: 1 }, 'VOICE', 'VOICE'],
    [{ id: 1, type: '' }, null, null],
    [undefined, 'WHATSAPP', 'WHATSAPP'],
    ['phone_call', null, null],
  ])('maps integration %j with fallback %s to %s', (integration, fallback, expected) => {
    const result = mapAlturDetail({ ...minimalItem, integration }, fallback);
    expect(result.ok && result.campaign.channel).toBe(expected);
  });

  it('prefixes issue fields with campaign.', () => {
    const result = mapAlturDetail({ ...minimalItem, name: undefined });
    expect(result.ok || result.issue).toMatchObject({
      provider: 'ALTUR',
      providerId: '7',
      field: 'campaign.name',
    });
  });
});

describe('parseAlturList', () => {
  const pagination = { has_more: true, has_previous: false, next_cursor: 'c2', previous_cursor: null };

  it('reads the seed envelope', () => {
    expect(parseAlturList({ total_count: 123, campaigns: [seedItem], pagination })).toEqual({
      totalCount: 123,
      items: [seedItem],
      hasMore: true,
      hasPrevious: false,
      nextCursor: 'c2',
      previousCursor: null,
    });
  });

  it('reads has_next, a missing total_count and missing cursors', () => {
    expect(
      parseAlturList({
        campaigns: [],
        pagination: { has_next: false, has_previous: true, previous_cursor: 'c0' },
      }),
    ).toEqual({
      totalCount: null,
      items: [],
      hasMore: false,
      hasPrevious: true,
      nextCursor: null,
      previousCursor: 'c0',
    });
  });

  it('infers the flags from the cursors when both are missing', () => {
    expect(
      parseAlturList({ campaigns: [], pagination: { next_cursor: 'n', previous_cursor: '' } }),
    ).toMatchObject({
      hasMore: true,
      hasPrevious: false,
      nextCursor: 'n',
      previousCursor: null,
    });
  });

  it('leaves invalid items to the mapping', () => {
    expect(parseAlturList({ campaigns: [1, null, 'x'], pagination: {} }).items).toEqual([1, null, 'x']);
  });

  it.each([
    ['not an object', 'oops', 'body'],
    ['null', null, 'body'],
    ['campaigns missing', { pagination }, 'campaigns'],
    ['campaigns not an array', { campaigns: {}, pagination }, 'campaigns'],
    ['pagination missing', { campaigns: [] }, 'pagination'],
    ['has_more not a boolean', { campaigns: [], pagination: { has_more: 'yes' } }, 'pagination.has_more'],
    ['next_cursor not a string', { campaigns: [], pagination: { next_cursor: 5 } }, 'pagination.next_cursor'],
    ['a negative total_count', { total_count: -1, campaigns: [], pagination }, 'total_count'],
  ])('rejects an envelope with %s', (_label, body, field) => {
    let thrown: unknown;
    try {
      parseAlturList(body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UpstreamBadResponseError);
    expect(thrown).toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
      provider: 'ALTUR',
      message: expect.stringContaining(`(${field}:`),
      extensions: { code: 'UPSTREAM_BAD_RESPONSE', provider: 'ALTUR' },
    });
  });
});

describe('parseAlturDetail', () => {
  it('unwraps the campaign', () => {
    expect(parseAlturDetail({ success: true, campaign: seedItem })).toBe(seedItem);
    expect(parseAlturDetail({ campaign: seedItem })).toBe(seedItem);
  });

  it.each([
    ['a bare campaign', seedItem],
    ['success false', { success: false, campaign: seedItem }],
    ['campaign null', { success: true, campaign: null }],
    ['campaign an array', { success: true, campaign: [seedItem] }],
    ['no body', undefined],
  ])('rejects %s', (_label, body) => {
    expect(() => parseAlturDetail(body)).toThrow(UpstreamBadResponseError);
  });
});

describe('Altur enum maps', () => {
  it('round-trips every status Altur can filter by', () => {
    for (const status of CAMPAIGN_STATUSES) {
      const altur = domainStatusToAltur(status);
      if (status === 'UNKNOWN') expect(altur).toBeNull();
      else expect(altur === null ? null : alturStatusToDomain(altur)).toBe(status);
    }
  });

  it('round-trips every channel Altur can filter by', () => {
    expect(CAMPAIGN_CHANNELS.map(domainChannelToAlturIntegration)).toEqual(['phone_call', 'whatsapp', null]);
    expect(alturIntegrationToChannel('phone_call')).toBe('VOICE');
    expect(alturIntegrationToChannel('whatsapp')).toBe('WHATSAPP');
    expect(alturIntegrationToChannel('sms')).toBe('OTHER');
  });
});

describe('robustness', () => {
  it('mapping never throws on arbitrary JSON', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.constantFrom<CampaignChannel | null>(null, 'VOICE'),
        (value, channel) => {
          mapAlturItem(value, channel);
          mapAlturDetail(value, channel);
          mapAlturItems([value, value], channel);
        },
      ),
    );
  });

  it('mapping never throws on items that look almost right', () => {
    const field = fc.oneof(fc.jsonValue(), fc.constant(undefined));
    const nearlyItem = fc.record(
      Object.fromEntries([...Object.keys(seedItem), 'cycles', 'integration'].map((key) => [key, field])),
    );
    fc.assert(
      fc.property(nearlyItem, (value) => {
        mapAlturItem({ ...seedItem, ...value }, null);
        mapAlturDetail({ ...seedItem, ...value });
      }),
    );
  });

  it('parsing only ever throws UpstreamBadResponseError', () => {
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({ campaigns: fc.jsonValue(), pagination: fc.jsonValue(), total_count: fc.jsonValue() }),
      fc.record({ success: fc.jsonValue(), campaign: fc.jsonValue() }),
    );
    fc.assert(
      fc.property(body, (value) => {
        for (const parse of [parseAlturList, parseAlturDetail]) {
          try {
            parse(value);
          } catch (error) {
            expect(error).toBeInstanceOf(UpstreamBadResponseError);
          }
        }
      }),
    );
  });
});
