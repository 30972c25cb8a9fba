import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  mapAuralytikItem,
  mapAuralytikItems,
  mapAuralytikItemWithZod,
} from '../../../src/providers/auralytik/mapping.js';
import { auralytikItemSchema } from '../../../src/providers/auralytik/schemas.js';
import { generateAuralytikDataset } from '../../../tools/simulators/data.js';
import { mostly, rawItem, timestamp } from './drift.js';

// mapAuralytikItem reads well-formed items without zod; these check it gives exactly what the zod path
// gives, for any item: the same campaign, or the same issue with the same field and message.

const text = fc.constantFrom('', 'x', ' voice ', 'Voice', 'WhatsApp', 'SMS', 'VoiceBot', 'flow');

const item = rawItem(
  {
    id: mostly(fc.oneof(fc.string({ maxLength: 6 }), fc.integer())),
    name: mostly(fc.string({ maxLength: 6 })),
    description: mostly(text),
    type: mostly(text),
    status: mostly(fc.constantFrom('Running', 'Paused', 'Completed', ' paused ', 'Draft')),
    channelType: mostly(text),
    startDate: mostly(timestamp),
    endDate: mostly(timestamp),
    createdAt: mostly(timestamp),
  },
  ['id', 'name', 'status', 'createdAt'],
);

describe('the Auralytik fast path', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('maps any item as the zod path does', () => {
    fc.assert(
      fc.property(item, (raw) => {
        expect(mapAuralytikItem(raw)).toStrictEqual(mapAuralytikItemWithZod(raw));
      }),
      { numRuns: 5_000 },
    );
  });

  it('reports the same issues for a page, with the same places', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 8 }), (items) => {
        const campaigns = [];
        const issues = [];
        for (const [index, raw] of items.entries()) {
          const result = mapAuralytikItemWithZod(raw, `data[${index}]`);
          if (result.ok) campaigns.push(result.campaign);
          else issues.push(result.issue);
        }
        expect(mapAuralytikItems(items)).toStrictEqual({ campaigns, issues });
      }),
      { numRuns: 500 },
    );
  });

  it('maps the simulator records as the zod path does', () => {
    for (const record of generateAuralytikDataset({ count: 300, seed: 7 })) {
      const raw: unknown = JSON.parse(JSON.stringify(record));
      const result = mapAuralytikItem(raw);
      expect(result.ok).toBe(true);
      expect(result).toStrictEqual(mapAuralytikItemWithZod(raw));
    }
  });

  it('does not run zod for a well-formed item, and does for one it must report', () => {
    const safeParse = vi.spyOn(auralytikItemSchema, 'safeParse');
    const [record] = generateAuralytikDataset({ count: 1, seed: 7 });
    expect(mapAuralytikItem(record).ok).toBe(true);
    expect(safeParse).not.toHaveBeenCalled();
    expect(mapAuralytikItem({ ...record, createdAt: 'yesterday' })).toMatchObject({
      ok: false,
      issue: { field: 'createdAt', message: 'not a timestamp: "yesterday"' },
    });
    expect(safeParse).toHaveBeenCalledOnce();
  });
});
