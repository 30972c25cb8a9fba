import { describe, expect, it } from 'vitest';
import { CAMPAIGN_STATUSES } from '../../../src/domain/campaign.js';
import { mapListEntries } from '../../../src/providers/listMapping.js';
import { domainStatusToNimbus, mapNimbusItem, NIMBUS_STATES, nimbusStateToDomain } from './mapping.js';
import { nimbusRetryAfterSeconds, parseNimbusDetail, parseNimbusList } from './schemas.js';

const ITEM = {
  id: 42,
  title: 'Spring renewals',
  notes: 'call twice',
  state: 'on_hold',
  owner: 'ana',
  priority: 2,
  created: 1_735_689_600,
};

describe('Nimbus mapping', () => {
  it('maps a full item onto the domain campaign and its own fields', () => {
    expect(mapNimbusItem(ITEM)).toEqual({
      ok: true,
      campaign: {
        provider: 'NIMBUS',
        providerId: '42',
        name: 'Spring renewals',
        description: 'call twice',
        status: 'PAUSED',
        providerStatus: 'on_hold',
        channel: 'VOICE',
        createdAt: new Date('2025-01-01T00:00:00Z'),
        owner: 'ana',
        priority: 2,
      },
    });
  });

  it('takes absent, null and unusable optional fields as null rather than failing the item', () => {
    const { notes: _notes, owner: _owner, ...required } = ITEM;
    for (const extra of [{}, { notes: null, owner: null, priority: null }, { owner: 7, priority: 9 }]) {
      const mapped = mapNimbusItem({ ...required, ...extra });
      expect(mapped.ok && [mapped.campaign.description, mapped.campaign.owner]).toEqual([null, null]);
      if (mapped.ok) expect(mapped.campaign.priority).toBe('priority' in extra ? null : 2);
    }
  });

  it.each([
    ['a missing title', { title: undefined }, 'title'],
    ['a string id', { id: '42' }, 'id'],
    ['a zero id', { id: 0 }, 'id'],
    ['an unsafe id', { id: 2 ** 60 }, 'id'],
    ['a created in milliseconds as a string', { created: '2025-01-01' }, 'created'],
    ['a fractional created', { created: 1.5 }, 'created'],
    ['a missing state', { state: undefined }, 'state'],
  ])('refuses an item with %s, naming the field and the id it could read', (_name, patch, field) => {
    const mapped = mapNimbusItem({ ...ITEM, ...patch });
    expect(mapped.ok).toBe(false);
    if (mapped.ok) return;
    expect(mapped.issue.field).toBe(field);
    expect(mapped.issue.provider).toBe('NIMBUS');
    expect(mapped.issue.providerId).toBe(field === 'id' ? null : '42');
  });

  it('skips an invalid item of a page and reports its place in the list', () => {
    const { entries, issues } = mapListEntries(
      [ITEM, { ...ITEM, id: 43, created: null }],
      mapNimbusItem,
      'items',
    );
    expect(entries.map((entry) => entry?.providerId ?? null)).toEqual(['42', null]);
    expect(issues).toEqual([expect.objectContaining({ providerId: '43', field: 'items[1].created' })]);
  });

  it('maps every state both ways, and a state it does not know to UNKNOWN with the raw value kept', () => {
    for (const state of NIMBUS_STATES) expect(domainStatusToNimbus(nimbusStateToDomain(state))).toBe(state);
    expect(nimbusStateToDomain('archived')).toBe('UNKNOWN');
    expect(nimbusStateToDomain('constructor')).toBe('UNKNOWN');
    expect(nimbusStateToDomain('LIVE')).toBe('UNKNOWN');
    const mapped = mapNimbusItem({ ...ITEM, state: 'archived' });
    expect(mapped.ok && mapped.campaign.providerStatus).toBe('archived');
    const expressible = CAMPAIGN_STATUSES.filter((status) => domainStatusToNimbus(status) !== null);
    expect(expressible).toEqual(['PENDING', 'RUNNING', 'PAUSED', 'COMPLETED']);
  });
});

describe('Nimbus envelopes', () => {
  it('reads a list envelope and leaves its items to the mapping', () => {
    expect(parseNimbusList({ items: [1, 'x'], total: 9 })).toEqual({ items: [1, 'x'], total: 9 });
  });

  it.each([
    [{ items: [] }, 'total'],
    [{ items: {}, total: 1 }, 'items'],
    [{ items: [], total: -1 }, 'total'],
    [[], 'body'],
  ])('refuses the list %j as a bad response naming %s', (body, where) => {
    expect(() => parseNimbusList(body)).toThrow(
      expect.objectContaining({
        message: expect.stringContaining(`(${where}:`),
        extensions: expect.objectContaining({ code: 'UPSTREAM_BAD_RESPONSE', provider: 'NIMBUS' }),
      }),
    );
  });

  it('reads a detail only when it is an object', () => {
    expect(parseNimbusDetail(ITEM)).toEqual(ITEM);
    for (const body of [null, [ITEM], 'x']) expect(() => parseNimbusDetail(body)).toThrow(/campaign detail/);
  });

  it('reads the retry hint of an error body, and never throws on another body', () => {
    expect(nimbusRetryAfterSeconds({ error: 'busy', retry_in: 3 })).toBe(3);
    for (const body of [{ error: 'busy' }, { error: 'busy', retry_in: -1 }, null, 'text', { retry_in: 2 }])
      expect(nimbusRetryAfterSeconds(body)).toBeNull();
  });
});
