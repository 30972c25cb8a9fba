import { describe, expect, it } from 'vitest';
import {
  ALTUR_STATUSES,
  AURALYTIK_STATUSES,
  alturCampaign,
  alturDataset,
  auralytikCampaign,
  generateAlturDataset,
  generateAuralytikDataset,
  mulberry32,
} from '../../tools/simulators/data.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('simulator data', () => {
  it('mulberry32 is deterministic and in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(990);
  });

  it('generates the same Altur dataset for the same seed, and a different one otherwise', () => {
    const first = generateAlturDataset({ count: 50, seed: 1 });
    expect(generateAlturDataset({ count: 50, seed: 1 })).toEqual(first);
    expect(generateAlturDataset({ count: 50, seed: 2 })).not.toEqual(first);
  });

  it('produces realistic Altur records with unique integer ids and some ties', () => {
    const records = generateAlturDataset({ count: 600, seed: 3 });
    expect(records).toHaveLength(600);
    expect(new Set(records.map((r) => r.id)).size).toBe(600);
    expect(records.every((r) => Number.isInteger(r.id) && r.id > 10_000)).toBe(true);
    expect(records.every((r) => ISO.test(r.created_at))).toBe(true);
    const times = records.map((r) => Date.parse(r.created_at));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(Date.UTC(2024, 0, 1));
    expect(Math.max(...times)).toBeLessThanOrEqual(Date.UTC(2026, 10, 21));
    expect(new Set(times).size).toBeLessThan(600);
    expect(new Set(records.map((r) => r.status))).toEqual(new Set(ALTUR_STATUSES));
    expect(new Set(records.map((r) => r.integration))).toEqual(new Set(['phone_call', 'whatsapp']));
    const archived = records.filter((r) => r.archived).length;
    expect(archived).toBeGreaterThan(30);
    expect(archived).toBeLessThan(100);
    expect(records.some((r) => r.name.includes(' — '))).toBe(true);
    for (const r of records) {
      if (r.scheduling !== null) expect(r.scheduling.mon.startTime).toMatch(/^\d{2}:\d{2}$/);
      if (r.last_iteration_at !== null) expect(r.last_iteration_at >= r.created_at).toBe(true);
    }
  });

  it('turns ties off with tieEvery: 0', () => {
    const records = generateAlturDataset({ count: 200, seed: 4, tieEvery: 0 });
    expect(new Set(records.map((r) => r.created_at)).size).toBe(200);
  });

  it('produces realistic Auralytik records', () => {
    const records = generateAuralytikDataset({ count: 500, seed: 3 });
    expect(new Set(records.map((r) => r.id)).size).toBe(500);
    expect(records.every((r) => /^camp_[0-9a-f]{6}$/.test(r.id))).toBe(true);
    expect(new Set(records.map((r) => r.status))).toEqual(new Set(AURALYTIK_STATUSES));
    expect(new Set(records.map((r) => r.type))).toEqual(new Set(['VoiceBot', 'Flow']));
    const channels = records.map((r) => r.channelType);
    expect(channels.filter((c) => c === 'SMS').length).toBeLessThan(50);
    expect(new Set(channels)).toEqual(new Set(['Voice', 'WhatsApp', 'SMS']));
    expect(records.some((r) => r.startDate === null)).toBe(true);
    expect(records.every((r) => ISO.test(r.createdAt))).toBe(true);
    expect(new Set(records.map((r) => r.createdAt)).size).toBeLessThan(500);
  });

  it('completes explicit records deterministically and keeps the given fields', () => {
    const a = alturCampaign({ id: 7, status: 'cooldown', created_at: '2025-10-03 19:11:39' });
    expect(a).toEqual(alturCampaign({ id: 7, status: 'cooldown', created_at: '2025-10-03 19:11:39' }));
    expect(a).toMatchObject({ id: 7, status: 'cooldown', created_at: '2025-10-03 19:11:39' });
    expect(typeof a.name).toBe('string');
    const b = auralytikCampaign({ id: 'camp_x', channelType: 'Carrier pigeon' });
    expect(b).toMatchObject({ id: 'camp_x', channelType: 'Carrier pigeon' });
    expect(ISO.test(b.createdAt)).toBe(true);
  });

  it('rejects duplicate ids and invalid instants', () => {
    expect(() => alturDataset([{ id: 1 }, { id: 1 }])).toThrow(/duplicate/);
    expect(() => alturCampaign({ id: 1, created_at: 'soon' })).toThrow(RangeError);
    expect(() => auralytikCampaign({ id: 'camp_1', endDate: '2025-02-30T00:00:00Z' })).toThrow(RangeError);
  });
});
