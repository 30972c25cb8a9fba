import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CampaignChannel } from '../../../src/domain/campaign.js';
import { deferredValuesOf } from '../../../src/http/deferredMembers.js';
import { parseJsonFast } from '../../../src/http/jsonBody.js';
import type { AlturCampaign } from '../../../src/providers/altur/campaign.js';
import {
  ALTUR_DEFERRED_MEMBER,
  alturSchedule,
  mapAlturDetail,
  mapAlturDetailWithZod,
  mapAlturItem,
  mapAlturItems,
  mapAlturItemWithZod,
} from '../../../src/providers/altur/mapping.js';
import { alturDetailItemSchema, alturListItemSchema } from '../../../src/providers/altur/schemas.js';
import { generateAlturDataset } from '../../../tools/simulators/data.js';
import { mostly, oddValue, rawItem, timestamp } from './drift.js';

// mapAlturItem reads well-formed items without zod; these check it gives exactly what the zod path gives,
// for any item: the same campaign, or the same issue with the same field and message.

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const text = fc.constantFrom('', 'x', '09:00', 'Sofía', ' Active ');
const strings = fc.array(fc.oneof(fc.string({ maxLength: 4 }), oddValue), { maxLength: 4 });

const day = mostly(
  fc.record(
    { startTime: mostly(text), endTime: mostly(text), stopTime: mostly(text), active: mostly(fc.boolean()) },
    { requiredKeys: [] },
  ),
);
const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const itemFields = {
  id: mostly(fc.oneof(fc.nat(), fc.stringMatching(/^0{0,3}\d{1,5}$/))),
  name: mostly(fc.string({ maxLength: 6 })),
  description: mostly(text),
  status: mostly(
    fc.constantFrom('pending', 'ready', 'active', 'inactive', 'cooldown', 'finished', 'Active '),
  ),
  created_at: mostly(timestamp),
  agent: mostly(
    fc.record({ id: mostly(fc.oneof(fc.string(), fc.integer())), name: mostly(text) }, { requiredKeys: [] }),
  ),
  scheduling: mostly(fc.record(Object.fromEntries(days.map((key) => [key, day])), { requiredKeys: [] })),
  timezone: mostly(text),
  retries: mostly(int32),
  concurrency: mostly(int32),
  concurrency_limit: mostly(int32),
  archived: mostly(fc.boolean()),
  template: mostly(text),
  first_message: mostly(text),
  cycle_enabled: mostly(fc.boolean()),
  cycle_max_iterations: mostly(int32),
  cycle_cooldown: mostly(int32),
  cycle_cooldown_minutes: mostly(int32),
  cycle_status_filters: mostly(strings),
  cycle_filter_statuses: mostly(strings),
  cycle_tag_filters: mostly(strings),
  cycle_filter_tags: mostly(strings),
  cycle_current_iteration: mostly(int32),
  last_iteration_at: mostly(timestamp),
  cycle_last_iteration_at: mostly(timestamp),
};
const REQUIRED = ['id', 'name', 'status', 'created_at'];
const item = rawItem(itemFields, REQUIRED);

// A detail is a list item plus `cycles` (read before the flat cycle fields) and `integration` (the channel).
const detailItem = rawItem(
  {
    ...itemFields,
    cycles: mostly(
      fc.record(
        {
          enabled: mostly(fc.boolean()),
          max_iterations: mostly(int32),
          cooldown_minutes: mostly(int32),
          cooldown: mostly(int32),
          filter_statuses: mostly(strings),
          status_filters: mostly(strings),
          filter_tags: mostly(strings),
          tag_filters: mostly(strings),
          current_iteration: mostly(int32),
          last_iteration_at: mostly(timestamp),
        },
        { requiredKeys: [] },
      ),
    ),
    integration: mostly(
      fc.record(
        {
          type: mostly(
            fc.constantFrom('phone_call', ' WhatsApp ', 'whatsapp', '', ' ', 'sms', 'constructor'),
          ),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  REQUIRED,
);

const channel = fc.constantFrom<CampaignChannel | null>(null, 'VOICE', 'WHATSAPP', 'OTHER');

describe('the Altur fast path', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('maps any item as the zod path does', () => {
    fc.assert(
      fc.property(item, channel, (raw, channel) => {
        expect(mapAlturItem(raw, channel)).toStrictEqual(mapAlturItemWithZod(raw, channel));
      }),
      { numRuns: 5_000 },
    );
  });

  it('serialises byte for byte as the zod path, whether the schedule is read first, last or never', () => {
    fc.assert(
      fc.property(item, channel, fc.boolean(), (raw, channel, readScheduleFirst) => {
        const fast = mapAlturItem(raw, channel);
        const reference = mapAlturItemWithZod(raw, channel);
        if (!fast.ok || !reference.ok) return;
        if (readScheduleFirst) expect(fast.campaign.schedule).toStrictEqual(reference.campaign.schedule);
        expect(JSON.stringify(fast.campaign)).toBe(JSON.stringify(reference.campaign));
        // Read once, the same object every time after.
        expect(fast.campaign.schedule).toBe(fast.campaign.schedule);
      }),
      { numRuns: 2_000 },
    );
  });

  it('reports the same issues for a page, with the same places', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 8 }), channel, (items, channel) => {
        const campaigns = [];
        const issues = [];
        for (const [index, raw] of items.entries()) {
          const result = mapAlturItemWithZod(raw, channel, `campaigns[${index}]`);
          if (result.ok) campaigns.push(result.campaign);
          else issues.push(result.issue);
        }
        expect(mapAlturItems(items, channel)).toStrictEqual({ campaigns, issues });
      }),
      { numRuns: 500 },
    );
  });

  it('maps a page whose schedules were left as text as it maps the page parsed whole', () => {
    const withSchedule = (campaign: AlturCampaign) => ({ ...campaign, schedule: alturSchedule(campaign) });
    let pagesDeferred = 0;
    fc.assert(
      fc.property(fc.array(item, { maxLength: 8 }), channel, (items, channel) => {
        const text = JSON.stringify({ campaigns: items });
        const whole = JSON.parse(text) as { campaigns: unknown[] };
        const deferred = parseJsonFast(Buffer.from(text), 0, ALTUR_DEFERRED_MEMBER)?.value as
          | typeof whole
          | undefined;
        if (deferred === undefined) return;
        const values = deferredValuesOf(deferred);
        if (values !== undefined) pagesDeferred++;
        const reference = mapAlturItems(whole.campaigns, channel);
        const mapped = mapAlturItems(deferred.campaigns, channel, values);
        expect(mapped.issues).toStrictEqual(reference.issues);
        expect(mapped.campaigns.map(withSchedule)).toStrictEqual(reference.campaigns.map(withSchedule));
        // As JSON (the poller compares campaigns so), the same with its schedules deferred or not.
        expect(JSON.stringify(mapped.campaigns)).toBe(JSON.stringify(reference.campaigns));
      }),
      { numRuns: 1_000 },
    );
    // Most random pages hold a schedule long enough to defer; the property is not about pages parsed whole.
    expect(pagesDeferred).toBeGreaterThan(300);
  });

  it('maps a detail whose schedule was left as text, through zod too', () => {
    const [record] = generateAlturDataset({ count: 1, seed: 11 });
    for (const detail of [record, { ...record, name: 7 }, { ...record, created_at: 'never' }]) {
      const text = JSON.stringify(detail);
      const deferred = parseJsonFast(Buffer.from(text), 0, ALTUR_DEFERRED_MEMBER)?.value;
      expect(deferredValuesOf(deferred)).toBeDefined();
      const mapped = mapAlturDetail(deferred, 'VOICE', deferredValuesOf(deferred));
      const reference = mapAlturDetail(JSON.parse(text), 'VOICE');
      expect(mapped.ok).toBe(reference.ok);
      if (mapped.ok && reference.ok) {
        expect(alturSchedule(mapped.campaign)).toStrictEqual(alturSchedule(reference.campaign));
        expect({ ...mapped.campaign, schedule: null }).toStrictEqual({
          ...reference.campaign,
          schedule: null,
        });
      } else {
        expect(mapped).toStrictEqual(reference);
      }
    }
  });

  it('maps any detail as the zod path does, cycles and integration included', () => {
    fc.assert(
      fc.property(detailItem, channel, (raw, channel) => {
        expect(mapAlturDetail(raw, channel)).toStrictEqual(mapAlturDetailWithZod(raw, channel));
      }),
      { numRuns: 5_000 },
    );
  });

  it('does not run zod for a well-formed detail, and does for one it must report', () => {
    const safeParse = vi.spyOn(alturDetailItemSchema, 'safeParse');
    const [record] = generateAlturDataset({ count: 1, seed: 7 });
    const detail = { ...record, cycles: { enabled: true, cooldown: 5 }, integration: { type: 'whatsapp' } };
    expect(mapAlturDetail(detail)).toMatchObject({
      ok: true,
      campaign: { channel: 'WHATSAPP', cycle: { enabled: true, cooldownMinutes: 5 } },
    });
    expect(safeParse).not.toHaveBeenCalled();
    expect(mapAlturDetail({ ...detail, name: 7 })).toMatchObject({
      ok: false,
      issue: { field: 'campaign.name' },
    });
    expect(safeParse).toHaveBeenCalledOnce();
  });

  it('maps the simulator records as the zod path does', () => {
    for (const record of generateAlturDataset({ count: 300, seed: 7 })) {
      const raw: unknown = JSON.parse(JSON.stringify(record));
      const result = mapAlturItem(raw, 'VOICE');
      expect(result.ok).toBe(true);
      expect(result).toStrictEqual(mapAlturItemWithZod(raw, 'VOICE'));
    }
  });

  it('does not run zod for a well-formed item, and does for one it must report', () => {
    const safeParse = vi.spyOn(alturListItemSchema, 'safeParse');
    const [record] = generateAlturDataset({ count: 1, seed: 7 });
    expect(mapAlturItem(record, null).ok).toBe(true);
    expect(safeParse).not.toHaveBeenCalled();
    expect(mapAlturItem({ ...record, created_at: 'yesterday' }, null)).toMatchObject({
      ok: false,
      issue: { field: 'created_at', message: 'not a timestamp: "yesterday"' },
    });
    expect(safeParse).toHaveBeenCalledOnce();
  });
});
