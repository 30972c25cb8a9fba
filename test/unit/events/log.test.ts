import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EMPTY_FILTER } from '../../../src/domain/campaign.js';
import { LiveEvents } from '../../../src/events/live.js';
import { MemoryEventLog } from '../../../src/events/memoryLog.js';
import { compareEventIds, type NewCampaignEvent, parseEventId } from '../../../src/events/types.js';
import { signAlturPayload, verifyAlturSignature } from '../../../src/providers/altur/webhooks.js';

const event = (sourceId?: string): NewCampaignEvent => ({
  type: 'STATUS_CHANGED',
  provider: 'AURALYTIK',
  occurredAt: new Date(0),
  providerId: 'c1',
  status: 'PAUSED',
  previousStatus: 'RUNNING',
  sourceId,
});

describe('MemoryEventLog', () => {
  it('issues strictly increasing ids, even when the clock goes back', async () => {
    const times = [1000, 1000, 999, 1001];
    const log = new MemoryEventLog({ now: () => times.shift() ?? 2000 });
    const ids = [];
    for (let i = 0; i < 4; i++) {
      const result = await log.append(event());
      if (result.recorded) ids.push(parseEventId(result.event.id));
    }
    for (let i = 1; i < ids.length; i++) {
      const [a, b] = [ids[i - 1], ids[i]];
      if (a == null || b == null) throw new Error('bad id');
      expect(compareEventIds(a, b)).toBeLessThan(0);
    }
  });

  it('records a source id once within the dedupe TTL', async () => {
    let now = 0;
    const log = new MemoryEventLog({ now: () => now, dedupeTtlMs: 100 });
    expect((await log.append(event('a'))).recorded).toBe(true);
    expect((await log.append(event('a'))).recorded).toBe(false);
    now = 200;
    expect((await log.append(event('a'))).recorded).toBe(true);
  });

  it('trims by count and by age, and says expired only when events after the resume point are gone', async () => {
    let now = 10_000;
    const log = new MemoryEventLog({ now: () => now, retention: { maxAgeMs: 1000, maxCount: 2 } });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const result = await log.append(event());
      if (result.recorded) ids.push(result.event.id);
    }
    const at = (index: number) => parseEventId(ids[index] ?? '') ?? { ms: 0, seq: 0 };
    expect(await log.readAfter({ ms: 0, seq: 0 }, 10)).toEqual({ expired: true });
    expect(await log.readAfter(at(0), 10)).toMatchObject({
      expired: false,
      events: [{ id: ids[1] }, { id: ids[2] }],
    });
    now = 20_000;
    expect(await log.readAfter(at(1), 10)).toEqual({ expired: true });
    expect(await log.readAfter(at(2), 10)).toEqual({ expired: false, events: [] });
  });
});

describe('LiveEvents', () => {
  it('drops a subscriber whose queue overflows with SLOW_CONSUMER naming where to resume', async () => {
    const log = new MemoryEventLog();
    const live = new LiveEvents({
      log,
      clients: [],
      criteriaOf: () => undefined,
      logger: pino({ level: 'silent' }),
      retentionMs: 1000,
      maxQueue: 2,
    });
    const stream = await live.open('c', EMPTY_FILTER, null, undefined);
    const first = stream.next();
    await log.append(event());
    const delivered = await first;
    for (let i = 0; i < 5; i++) await log.append(event());
    const next = await stream.next();
    expect(next.value).toMatchObject({ error: { extensions: { code: 'SLOW_CONSUMER' } } });
    expect((next.value as { error: Error }).error.message).toContain(
      (delivered.value as { event: { id: string } }).event.id,
    );
    expect((await stream.next()).done).toBe(true);
  });

  it('refuses a malformed after with BAD_USER_INPUT', () => {
    expect(() => LiveEvents.parseAfter('x', 'after')).toThrow(
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', argument: 'after' } }),
    );
  });
});

describe('Altur signature', () => {
  it('accepts its own HMAC and refuses any other body or key', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        (text, other, key) => {
          const raw = JSON.stringify({ text });
          const keyBuffer = Buffer.from(key);
          const signature = signAlturPayload(raw, keyBuffer);
          expect(verifyAlturSignature(raw, signature, keyBuffer)).toBe(true);
          if (other !== text)
            expect(verifyAlturSignature(JSON.stringify({ text: other }), signature, keyBuffer)).toBe(false);
          expect(verifyAlturSignature(raw, signature, Buffer.concat([keyBuffer, Buffer.from([1])]))).toBe(
            false,
          );
        },
      ),
    );
  });
});
