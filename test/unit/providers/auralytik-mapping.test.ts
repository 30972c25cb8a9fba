import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CampaignChannel, CampaignStatus } from '../../../src/domain/campaign.js';
import { CAMPAIGN_CHANNELS, CAMPAIGN_STATUSES } from '../../../src/domain/campaign.js';
import { UpstreamBadResponseError } from '../../../src/errors.js';
import type { AuralytikCampaign, AuralytikCampaignType } from '../../../src/providers/auralytik/campaign.js';
import {
  auralytikStatusToDomain,
  domainChannelToAuralytik,
  domainStatusToAuralytik,
  mapAuralytikItem,
  mapAuralytikItems,
} from '../../../src/providers/auralytik/mapping.js';
import {
  parseAuralytikDetail,
  parseAuralytikError,
  parseAuralytikList,
} from '../../../src/providers/auralytik/schemas.js';

/** The seed's example item. */
const seedItem = {
  id: 'camp_789',
  name: 'Q1 Outbound Sales',
  description: 'Outbound sales campaign targeting new leads',
  type: 'VoiceBot',
  status: 'Running',
  channelType: 'Voice',
  startDate: '2024-01-15T00:00:00Z',
  endDate: '2024-03-31T23:59:59Z',
  createdAt: '2024-01-10T09:00:00Z',
};

const seedCampaign: AuralytikCampaign = {
  provider: 'AURALYTIK',
  providerId: 'camp_789',
  name: 'Q1 Outbound Sales',
  description: 'Outbound sales campaign targeting new leads',
  status: 'RUNNING',
  providerStatus: 'Running',
  channel: 'VOICE',
  createdAt: new Date('2024-01-10T09:00:00.000Z'),
  type: 'VOICE_BOT',
  channelType: 'Voice',
  startDate: new Date('2024-01-15T00:00:00.000Z'),
  endDate: new Date('2024-03-31T23:59:59.000Z'),
};

const minimalItem = { id: 'camp_1', name: 'Minimal', status: 'Paused', createdAt: '2024-02-01 10:00:00' };

function mapOk(raw: unknown): AuralytikCampaign {
  const result = mapAuralytikItem(raw);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(raw)} to map: ${result.issue.message}`);
  return result.campaign;
}

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('mapAuralytikItem', () => {
  it('maps every field of the seed example', () => {
    expect(mapOk(seedItem)).toEqual(seedCampaign);
  });

  it('defaults everything optional on a minimal item', () => {
    expect(mapOk(minimalItem)).toEqual({
      provider: 'AURALYTIK',
      providerId: 'camp_1',
      name: 'Minimal',
      description: null,
      status: 'PAUSED',
      providerStatus: 'Paused',
      channel: null,
      createdAt: new Date('2024-02-01T10:00:00.000Z'),
      type: 'UNKNOWN',
      channelType: null,
      startDate: null,
      endDate: null,
    } satisfies AuralytikCampaign);
  });

  it('turns wrong-typed or unreadable optional fields into null', () => {
    expect(
      mapOk({
        ...minimalItem,
        description: 1,
        type: ['Flow'],
        channelType: {},
        startDate: 'soon',
        endDate: 0,
      }),
    ).toMatchObject({
      description: null,
      type: 'UNKNOWN',
      channel: null,
      channelType: null,
      startDate: null,
      endDate: null,
    });
  });

  it('keeps a numeric id as its string', () => {
    expect(mapOk({ ...minimalItem, id: 42 }).providerId).toBe('42');
  });

  it.each([
    ['2024-01-10T09:00:00Z', '2024-01-10T09:00:00.000Z'],
    ['2024-01-10T09:00:00.123+01:00', '2024-01-10T08:00:00.123Z'],
    ['2024-01-10 09:00:00', '2024-01-10T09:00:00.000Z'],
    ['2024-01-10', '2024-01-10T00:00:00.000Z'],
  ])('reads timestamps %j as %s', (value, iso) => {
    const campaign = mapOk({ ...minimalItem, createdAt: value, startDate: value, endDate: value });
    expect(
      [campaign.createdAt, campaign.startDate, campaign.endDate].map((date) => date?.toISOString()),
    ).toEqual([iso, iso, iso]);
  });

  it.each<[string, CampaignStatus]>([
    ['Running', 'RUNNING'],
    ['Paused', 'PAUSED'],
    ['Completed', 'COMPLETED'],
    ['running', 'RUNNING'],
    ['COMPLETED', 'COMPLETED'],
    ['Scheduled', 'UNKNOWN'],
    ['toString', 'UNKNOWN'],
    ['', 'UNKNOWN'],
  ])('maps status %j to %s and keeps the raw value', (status, expected) => {
    const campaign = mapOk({ ...minimalItem, status });
    expect(campaign.status).toBe(expected);
    expect(campaign.providerStatus).toBe(status);
  });

  it.each<[unknown, AuralytikCampaignType]>([
    ['VoiceBot', 'VOICE_BOT'],
    ['voicebot', 'VOICE_BOT'],
    ['Flow', 'FLOW'],
    ['FLOW', 'FLOW'],
    ['Survey', 'UNKNOWN'],
    [null, 'UNKNOWN'],
    [undefined, 'UNKNOWN'],
  ])('maps type %j to %s', (type, expected) => {
    expect(mapOk({ ...minimalItem, type }).type).toBe(expected);
  });

  it.each<[unknown, CampaignChannel | null, string | null]>([
    ['Voice', 'VOICE', 'Voice'],
    ['voice', 'VOICE', 'voice'],
    ['WhatsApp', 'WHATSAPP', 'WhatsApp'],
    ['WHATSAPP', 'WHATSAPP', 'WHATSAPP'],
    ['SMS', 'OTHER', 'SMS'],
    ['', null, ''],
    [null, null, null],
    [undefined, null, null],
  ])('maps channelType %j to channel %s, keeping %j', (channelType, channel, raw) => {
    const campaign = mapOk({ ...minimalItem, channelType });
    expect(campaign.channel).toBe(channel);
    expect(campaign.channelType).toBe(raw);
  });

  it.each([
    ['id', { ...minimalItem, id: undefined }, 'id'],
    ['an empty id', { ...minimalItem, id: '' }, 'id'],
    ['name', { ...minimalItem, name: 5 }, 'name'],
    ['status', { ...minimalItem, status: null }, 'status'],
    ['createdAt', { ...minimalItem, createdAt: undefined }, 'createdAt'],
    ['an unreadable createdAt', { ...minimalItem, createdAt: '31/12/2024' }, 'createdAt'],
  ])('fails an item with a missing or bad %s', (_label, raw, field) => {
    const result = mapAuralytikItem(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issue.field).toBe(field);
  });
});

describe('mapAuralytikItems', () => {
  it('skips an invalid item with a precise issue and maps the rest', () => {
    const { campaigns, issues } = mapAuralytikItems([
      seedItem,
      { ...minimalItem, id: 'camp_bad', createdAt: 'not a date' },
      minimalItem,
      [],
    ]);
    expect(campaigns.map((campaign) => campaign.providerId)).toEqual(['camp_789', 'camp_1']);
    expect(issues).toEqual([
      {
        provider: 'AURALYTIK',
        providerId: 'camp_bad',
        field: 'data[1].createdAt',
        message: 'not a timestamp: "not a date"',
      },
      {
        provider: 'AURALYTIK',
        providerId: null,
        field: 'data[3]',
        message: 'Invalid input: expected object, received array',
      },
    ]);
  });
});

describe('parseAuralytikList', () => {
  it('reads the flat shape of the seed', () => {
    expect(parseAuralytikList({ data: [seedItem], page: 1, pageSize: 10, totalCount: 8 })).toEqual({
      totalCount: 8,
      page: 1,
      pageSize: 10,
      items: [seedItem],
    });
  });

  it('reads the wrapped shape of the newer docs', () => {
    const body = {
      data: [seedItem, 'junk'],
      meta: { requestId: 'req_1', timestamp: '2024-01-10T09:00:00Z' },
      pagination: { page: 2, pageSize: 25, totalCount: 60, totalPages: 3 },
    };
    expect(parseAuralytikList(body)).toEqual({
      totalCount: 60,
      page: 2,
      pageSize: 25,
      items: [seedItem, 'junk'],
    });
  });

  it.each([
    ['not an object', [], 'body'],
    ['data missing', { page: 1, pageSize: 10, totalCount: 0 }, 'data'],
    ['data not an array', { data: {}, page: 1, pageSize: 10, totalCount: 0 }, 'data'],
    ['totalCount missing', { data: [], page: 1, pageSize: 10 }, 'totalCount'],
    ['page a string', { data: [], page: '1', pageSize: 10, totalCount: 0 }, 'page'],
    ['pagination not an object', { data: [], pagination: 'p1' }, 'pagination'],
    [
      'pagination.totalCount missing',
      { data: [], pagination: { page: 1, pageSize: 10 } },
      'pagination.totalCount',
    ],
    [
      'a fractional totalCount',
      { data: [], pagination: { page: 1, pageSize: 10, totalCount: 1.5 } },
      'pagination.totalCount',
    ],
  ])('rejects an envelope with %s', (_label, body, field) => {
    expect(thrownBy(() => parseAuralytikList(body))).toMatchObject({
      constructor: UpstreamBadResponseError,
      code: 'UPSTREAM_BAD_RESPONSE',
      provider: 'AURALYTIK',
      message: expect.stringContaining(`(${field}:`),
      extensions: { code: 'UPSTREAM_BAD_RESPONSE', provider: 'AURALYTIK' },
    });
  });
});

describe('parseAuralytikDetail', () => {
  it('accepts a bare campaign', () => {
    expect(parseAuralytikDetail(seedItem)).toBe(seedItem);
  });

  it('unwraps {data: {...}}', () => {
    expect(parseAuralytikDetail({ data: seedItem, meta: { requestId: 'r' } })).toBe(seedItem);
  });

  it('hands a bare object without id to the mapping, which reports it', () => {
    const raw = parseAuralytikDetail({ name: 'x' });
    expect(mapAuralytikItem(raw)).toMatchObject({ ok: false, issue: { field: 'id' } });
  });

  it.each([
    ['null', null],
    ['an array', [seedItem]],
    ['a string', 'camp_789'],
    ['data as an array', { data: [seedItem] }],
    ['data as null', { data: null }],
  ])('rejects %s', (_label, body) => {
    expect(thrownBy(() => parseAuralytikDetail(body))).toMatchObject({
      constructor: UpstreamBadResponseError,
      code: 'UPSTREAM_BAD_RESPONSE',
      provider: 'AURALYTIK',
    });
  });
});

describe('parseAuralytikError', () => {
  it.each([
    [
      { error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Slow down', requestId: 'r1', retryAfter: 30 } },
      { code: 'RATE_LIMIT_EXCEEDED', retryAfterSeconds: 30 },
    ],
    [
      { error: { code: 'RATE_LIMIT_EXCEEDED', retryAfter: '2.5' } },
      { code: 'RATE_LIMIT_EXCEEDED', retryAfterSeconds: 2.5 },
    ],
    [
      { error: { code: 'NOT_FOUND', message: 'No campaign' } },
      { code: 'NOT_FOUND', retryAfterSeconds: null },
    ],
    [{ error: { code: 7, retryAfter: -1 } }, { code: null, retryAfterSeconds: null }],
    [{ error: { retryAfter: 'soon' } }, { code: null, retryAfterSeconds: null }],
    [{ error: { retryAfter: '' } }, { code: null, retryAfterSeconds: null }],
    [{ error: 'RATE_LIMIT_EXCEEDED' }, { code: null, retryAfterSeconds: null }],
    [{ message: 'oops' }, { code: null, retryAfterSeconds: null }],
    ['<html>', { code: null, retryAfterSeconds: null }],
    [null, { code: null, retryAfterSeconds: null }],
  ])('reads %j', (body, expected) => {
    expect(parseAuralytikError(body)).toEqual(expected);
  });
});

describe('Auralytik enum maps', () => {
  it('round-trips every status Auralytik can filter by', () => {
    expect(CAMPAIGN_STATUSES.map(domainStatusToAuralytik)).toEqual([
      null,
      null,
      'Running',
      'Paused',
      null,
      'Completed',
      null,
    ]);
    for (const status of CAMPAIGN_STATUSES) {
      const auralytik = domainStatusToAuralytik(status);
      if (auralytik !== null) expect(auralytikStatusToDomain(auralytik)).toBe(status);
    }
  });

  it('expresses VOICE and WHATSAPP but not OTHER as a channel filter', () => {
    expect(CAMPAIGN_CHANNELS.map(domainChannelToAuralytik)).toEqual(['Voice', 'WhatsApp', null]);
  });
});

describe('robustness', () => {
  it('mapping never throws on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        mapAuralytikItem(value);
        mapAuralytikItems([value, value]);
      }),
    );
  });

  it('mapping never throws on items that look almost right', () => {
    const field = fc.oneof(fc.jsonValue(), fc.constant(undefined));
    const nearlyItem = fc.record(Object.fromEntries(Object.keys(seedItem).map((key) => [key, field])));
    fc.assert(
      fc.property(nearlyItem, (value) => {
        mapAuralytikItem({ ...seedItem, ...value });
      }),
    );
  });

  it('parsing only ever throws UpstreamBadResponseError', () => {
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({
        data: fc.jsonValue(),
        page: fc.jsonValue(),
        pageSize: fc.jsonValue(),
        totalCount: fc.jsonValue(),
      }),
      fc.record({ data: fc.jsonValue(), pagination: fc.jsonValue() }),
      fc.record({ error: fc.jsonValue() }),
    );
    fc.assert(
      fc.property(body, (value) => {
        for (const parse of [parseAuralytikList, parseAuralytikDetail]) {
          const error = thrownBy(() => parse(value));
          if (error !== undefined) expect(error).toBeInstanceOf(UpstreamBadResponseError);
        }
        parseAuralytikError(value);
      }),
    );
  });
});
