import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/schema/globalId.js';
import { alturCampaign, auralytikCampaign } from '../../tools/simulators/index.js';
import { expectNoLeak, type Harness, startHarness } from '../support/harness.js';

const FULL_FIELDS = `
  id provider providerId name description status providerStatus channel createdAt
  ... on AlturCampaign {
    agent { id name } timezone retries concurrency archived template firstMessage
    schedule { monday { active startTime endTime } sunday { active startTime endTime } }
    cycle { enabled maxIterations cooldownMinutes statusFilters tagFilters currentIteration lastIterationAt }
  }
  ... on AuralytikCampaign { type channelType startDate endDate }
`;

const alturRecord = alturCampaign({
  id: 4242,
  name: 'Cobranza preventiva octubre',
  description: 'Recordatorio de pago',
  status: 'cooldown',
  created_at: '2025-10-03T19:11:39Z',
  agent: { id: 'agt_7', name: 'Sofía (Collections)' },
  timezone: 'America/Mexico_City',
  retries: 3,
  concurrency: 5,
  archived: false,
  template: 'tpl_cobranza',
  first_message: 'Hola, le llamo de parte de…',
  cycle_enabled: true,
  cycle_max_iterations: 4,
  cycle_cooldown: 90,
  cycle_status_filters: ['no_answer'],
  cycle_tag_filters: ['vip'],
  cycle_current_iteration: 2,
  last_iteration_at: '2025-10-05T08:00:00Z',
  integration: 'whatsapp',
});

const auralytikRecord = auralytikCampaign({
  id: 'camp_789',
  name: 'Q1 Outbound Sales',
  description: 'Outbound sales campaign targeting new leads',
  type: 'VoiceBot',
  status: 'Running',
  channelType: 'Voice',
  startDate: '2024-01-15T00:00:00Z',
  endDate: '2024-03-31T23:59:59Z',
  createdAt: '2024-01-10T09:00:00Z',
});

const alturIds = Array.from({ length: 40 }, (_, index) => 5000 + index);

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({
    altur: {
      dataset: [alturRecord, ...alturIds.map((id) => ({ id, created_at: '2025-01-01T00:00:00Z' }))],
      drift: 'seed',
    },
    auralytik: { dataset: [auralytikRecord], detailShape: 'wrapped' },
    // These tests check how each failure maps, one after another; the breaker has its own tests.
    overrides: { breaker: { consecutiveFailures: 1000, halfOpenAfterMs: 1000 } },
  });
});
afterAll(() => harness.close());

const alturId = encodeGlobalId('AlturCampaign', '4242');
const auralytikId = encodeGlobalId('AuralytikCampaign', 'camp_789');

describe('lookups by id', () => {
  it('maps every field of both providers', async () => {
    const response = await harness.query(
      `query ($a: ID!, $b: ID!) {
      a: campaign(id: $a) { ${FULL_FIELDS} }
      b: node(id: $b) { ... on Campaign { ${FULL_FIELDS} } }
    }`,
      { a: alturId, b: auralytikId },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      a: {
        id: alturId,
        provider: 'ALTUR',
        providerId: '4242',
        name: 'Cobranza preventiva octubre',
        description: 'Recordatorio de pago',
        status: 'COOLDOWN',
        providerStatus: 'cooldown',
        channel: 'WHATSAPP',
        createdAt: '2025-10-03T19:11:39.000Z',
        agent: { id: 'agt_7', name: 'Sofía (Collections)' },
        timezone: 'America/Mexico_City',
        retries: 3,
        concurrency: 5,
        archived: false,
        template: 'tpl_cobranza',
        firstMessage: 'Hola, le llamo de parte de…',
        schedule: {
          monday: expect.objectContaining({ active: expect.any(Boolean) }),
          sunday: expect.objectContaining({ active: expect.any(Boolean) }),
        },
        cycle: {
          enabled: true,
          maxIterations: 4,
          cooldownMinutes: 90,
          statusFilters: ['no_answer'],
          tagFilters: ['vip'],
          currentIteration: 2,
          lastIterationAt: '2025-10-05T08:00:00.000Z',
        },
      },
      b: {
        id: auralytikId,
        provider: 'AURALYTIK',
        providerId: 'camp_789',
        name: 'Q1 Outbound Sales',
        description: 'Outbound sales campaign targeting new leads',
        status: 'RUNNING',
        providerStatus: 'Running',
        channel: 'VOICE',
        createdAt: '2024-01-10T09:00:00.000Z',
        type: 'VOICE_BOT',
        channelType: 'Voice',
        startDate: '2024-01-15T00:00:00.000Z',
        endDate: '2024-03-31T23:59:59.000Z',
      },
    });
    expect(response.data?.a).toMatchObject({ schedule: { monday: { startTime: expect.any(String) } } });
  });

  it('makes one upstream call for duplicate ids in one operation', async () => {
    harness.altur.requests.reset();
    const response = await harness.query(
      `query ($id: ID!) {
      a: campaign(id: $id) { name }
      b: node(id: $id) { id }
      c: nodes(ids: [$id, $id, $id]) { id }
    }`,
      { id: alturId },
    );
    expect(response.errors).toBeUndefined();
    expect(harness.altur.requests.count({ route: 'detail' })).toBe(1);
  });

  it('resolves a 30-id Altur batch within 12 requests in any second', async () => {
    harness.altur.requests.reset();
    const ids = alturIds.slice(0, 30).map((id) => encodeGlobalId('AlturCampaign', String(id)));
    const response = await harness.query<{ nodes: ({ providerId: string } | null)[] }>(
      'query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Campaign { providerId } } }',
      { ids },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.nodes.map((node) => node?.providerId)).toEqual(alturIds.slice(0, 30).map(String));
    expect(harness.altur.requests.count({ route: 'detail' })).toBe(30);
    expect(harness.altur.requests.maxInWindow(1000)).toBeLessThanOrEqual(12);
  }, 20_000);

  it('answers null without an error for an id the provider does not have', async () => {
    const response = await harness.query('query ($id: ID!) { campaign(id: $id) { id } }', {
      id: encodeGlobalId('AuralytikCampaign', 'camp_nope'),
    });
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ campaign: null });
  });

  it.each([
    ['garbage', 'not-an-id!'],
    ['unknown type', encodeGlobalId('Planet', '1')],
    ['non-integer Altur id', encodeGlobalId('AlturCampaign', 'abc')],
    ['padded base64', `${encodeGlobalId('AlturCampaign', '4242')}==`],
  ])('rejects a malformed id (%s) with BAD_USER_INPUT and no upstream call', async (_name, id) => {
    harness.altur.requests.reset();
    harness.auralytik.requests.reset();
    const response = await harness.query('query ($id: ID!) { campaign(id: $id) { id } }', { id });
    expect(response.errors).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('not a campaign id'),
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
      }),
    ]);
    expect(harness.altur.requests.count() + harness.auralytik.requests.count()).toBe(0);
    expectNoLeak(harness, response.text);
  });

  it('fails only the bad entry of a nodes list', async () => {
    const response = await harness.query('query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', {
      ids: [auralytikId, 'bad'],
    });
    expect(response.data).toEqual({ nodes: [{ id: auralytikId }, null] });
    expect(response.errors).toEqual([
      expect.objectContaining({
        path: ['nodes', 1],
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
      }),
    ]);
  });
});

describe('upstream failures in lookups', () => {
  it.each([
    ['500', { status: 500, body: 'oops' }, 'UPSTREAM_UNAVAILABLE'],
    ['502 with an HTML body', { status: 502, body: '<html>Bad Gateway</html>' }, 'UPSTREAM_UNAVAILABLE'],
    [
      '429 with a long Retry-After',
      { status: 429, headers: { 'retry-after': '120' } },
      'UPSTREAM_RATE_LIMITED',
    ],
    ['401', { status: 401, body: '{"detail":"Invalid API key"}' }, 'UPSTREAM_UNAUTHORIZED'],
    ['malformed JSON', { malformedJson: true }, 'UPSTREAM_BAD_RESPONSE'],
    ['empty 200', { emptyBody: true }, 'UPSTREAM_BAD_RESPONSE'],
    ['reset mid-body', { resetMidBody: true }, 'UPSTREAM_UNAVAILABLE'],
    [
      'a required field null',
      { transformBody: (body: unknown) => ({ ...(body as object), campaign: { id: 4242, name: null } }) },
      'UPSTREAM_BAD_RESPONSE',
    ],
  ] as const)('maps Altur %s to %s while Auralytik answers in full', async (_name, fault, code) => {
    const remove = harness.altur.faults.add({ route: 'detail', ...fault });
    try {
      const response = await harness.query(
        'query ($a: ID!, $b: ID!) { a: campaign(id: $a) { name } b: campaign(id: $b) { name providerId } }',
        { a: alturId, b: auralytikId },
      );
      expect(response.data).toEqual({ a: null, b: { name: 'Q1 Outbound Sales', providerId: 'camp_789' } });
      expect(response.errors).toEqual([
        expect.objectContaining({
          path: ['a'],
          message: expect.stringMatching(/^Altur: /),
          extensions: expect.objectContaining({ code, provider: 'ALTUR' }),
        }),
      ]);
      expectNoLeak(harness, response.text);
    } finally {
      remove();
    }
  });

  it('maps a timeout to UPSTREAM_UNAVAILABLE within the configured bound', async () => {
    const quick = await startHarness({ timeoutMs: 300, altur: { dataset: [alturRecord] } });
    try {
      quick.altur.faults.add({ route: 'detail', hang: true });
      const started = Date.now();
      const response = await quick.query('query ($a: ID!) { campaign(id: $a) { name } }', { a: alturId });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(response.errors?.[0]?.extensions).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        provider: 'ALTUR',
      });
      expect(response.errors?.[0]?.message).toContain('did not answer within 300 ms');
    } finally {
      await quick.close();
    }
  });
});
