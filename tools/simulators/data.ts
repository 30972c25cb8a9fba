// Long mostly with vocabulary: the word lists generated names, descriptions and agents draw from. The code,
// two seeded record builders and the dataset generators, is the last third.
import { fnv1a, formatIsoSeconds, parseInstantMs } from './time.js';

/** A tiny seeded PRNG (mulberry32): the same seed always gives the same dataset. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type NonEmpty<T> = readonly [T, ...T[]];

class Rng {
  readonly #next: () => number;
  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }
  float(): number {
    return this.#next();
  }
  /** Inclusive on both ends. */
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1));
  }
  chance(probability: number): boolean {
    return this.#next() < probability;
  }
  pick<T>(items: NonEmpty<T>): T {
    return items[Math.floor(this.#next() * items.length)] ?? items[0];
  }
  weighted<T>(items: NonEmpty<readonly [T, number]>): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.#next() * total;
    for (const [item, weight] of items) {
      roll -= weight;
      if (roll < 0) return item;
    }
    return items[0][0];
  }
  hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += Math.floor(this.#next() * 16).toString(16);
    return out;
  }
  subset<T>(items: readonly T[], probability: number): T[] {
    return items.filter(() => this.chance(probability));
  }
}

// ---------------------------------------------------------------------------------------------
// Raw provider records. Field names follow the providers' JSON (seed spelling for Altur); the
// simulators render the drifted spellings at response time.

export const ALTUR_STATUSES = ['pending', 'ready', 'active', 'inactive', 'cooldown', 'finished'] as const;
export type AlturStatus = (typeof ALTUR_STATUSES)[number];
export const ALTUR_INTEGRATIONS = ['phone_call', 'whatsapp'] as const;
export type AlturIntegration = (typeof ALTUR_INTEGRATIONS)[number];
export const ALTUR_WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type AlturWeekday = (typeof ALTUR_WEEKDAYS)[number];

export interface AlturDaySchedule {
  startTime: string;
  endTime: string;
  active: boolean;
}

export interface AlturAnalytics {
  calls: number;
  answered: number;
  messages_sent: number;
  conversions: number;
  avg_duration_seconds: number;
}

export interface AlturCampaignRecord {
  id: number;
  name: string;
  description: string | null;
  status: AlturStatus;
  created_at: string;
  agent: { id: string; name: string } | null;
  scheduling: Record<AlturWeekday, AlturDaySchedule> | null;
  timezone: string | null;
  retries: number | null;
  concurrency: number | null;
  archived: boolean;
  template: string | null;
  first_message: string | null;
  cycle_enabled: boolean;
  cycle_max_iterations: number | null;
  cycle_cooldown: number | null;
  cycle_status_filters: string[];
  cycle_tag_filters: string[];
  cycle_current_iteration: number | null;
  last_iteration_at: string | null;
  /** Hidden from list items: only a filter there, and `integration: {id, type}` in the detail. */
  integration: AlturIntegration;
  /** Detail only. */
  integration_id: string;
  /** Detail only. */
  analytics: AlturAnalytics;
}

/** What tests may pass: an id, and any fields they care about; the rest is filled deterministically. */
export type AlturCampaignInput = Partial<Omit<AlturCampaignRecord, 'id'>> & { id: number };

export const AURALYTIK_STATUSES = ['Running', 'Paused', 'Completed'] as const;
export type AuralytikStatus = (typeof AURALYTIK_STATUSES)[number];
export const AURALYTIK_TYPES = ['VoiceBot', 'Flow'] as const;
export type AuralytikType = (typeof AURALYTIK_TYPES)[number];

export interface AuralytikCampaignRecord {
  id: string;
  name: string;
  description: string | null;
  type: AuralytikType;
  status: AuralytikStatus;
  /** Documented values are Voice, WhatsApp and SMS; any string is kept so tests can add others. */
  channelType: string;
  startDate: string | null;
  endDate: string | null;
  createdAt: string;
}

export type AuralytikCampaignInput = Partial<Omit<AuralytikCampaignRecord, 'id'>> & { id: string };

export interface GenerateOptions {
  count: number;
  seed: number;
  /**
   * Every `tieEvery`-th record copies another record's creation instant, so tie-breaks by id get
   * exercised. 0 turns ties off. @default 15
   */
  tieEvery?: number | undefined;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

const FIRST_INSTANT = Date.UTC(2024, 0, 1);
const LAST_INSTANT = Date.UTC(2026, 10, 20, 23, 59, 59);
const DAY_MS = 86_400_000;

const CITIES: NonEmpty<readonly [string, string]> = [
  ['Monterrey', 'America/Monterrey'],
  ['Ciudad de México', 'America/Mexico_City'],
  ['Guadalajara', 'America/Mexico_City'],
  ['Bogotá', 'America/Bogota'],
  ['Medellín', 'America/Bogota'],
  ['Lima', 'America/Lima'],
  ['Santiago', 'America/Santiago'],
  ['Buenos Aires', 'America/Argentina/Buenos_Aires'],
  ['Madrid', 'Europe/Madrid'],
  ['Barcelona', 'Europe/Madrid'],
];

const MONTHS_ES = [
  'enero',
  'febrero',
  'marzo',
  'abril',
  'mayo',
  'junio',
  'julio',
  'agosto',
  'septiembre',
  'octubre',
  'noviembre',
  'diciembre',
] as const;

const PURPOSES_EN: NonEmpty<string> = [
  'Renewal Reminders',
  'Payment Reminders',
  'Win-back Outreach',
  'Onboarding Calls',
  'NPS Survey',
  'Appointment Confirmations',
  'Policy Renewals',
  'Upsell Outreach',
  'Delinquency Follow-up',
  'Lead Qualification',
];

const PURPOSES_ES: NonEmpty<string> = [
  'Cobranza preventiva',
  'Recordatorio de pago',
  'Encuesta de satisfacción',
  'Confirmación de citas',
  'Renovación de pólizas',
  'Reactivación de clientes',
  'Bienvenida nuevos clientes',
  'Seguimiento de mora temprana',
  'Calificación de leads',
];

const DESCRIPTIONS: NonEmpty<string> = [
  'Outbound reminders for customers whose payment is due within 5 days.',
  'Recordatorios a clientes con cuotas próximas a vencer.',
  'Follow-up with customers who did not answer the first attempt.',
  'Llamadas de bienvenida para clientes dados de alta en el último mes.',
  'Short satisfaction survey after a resolved support ticket.',
  'Confirma citas del día siguiente y ofrece reprogramar.',
  'Renewal offers for policies expiring in the next 30 days.',
  'Reactivación de cuentas sin movimientos en 90 días.',
  'Qualifies inbound web leads before handing them to sales.',
];

const AGENTS: NonEmpty<{ id: string; name: string }> = [
  { id: 'agt_7f3a9c21', name: 'Sofía (Collections)' },
  { id: 'agt_1b82e4d0', name: 'Mateo (Renewals)' },
  { id: 'agt_c4d51e77', name: 'Valentina (Customer Care)' },
  { id: 'agt_09ab3f6e', name: 'Diego (Sales)' },
  { id: 'agt_5e6f7a80', name: 'Camila (Onboarding)' },
  { id: 'agt_2d4c6b1a', name: 'Lucía (Surveys)' },
  { id: 'agt_8e9f0a1b', name: 'Andrés (Appointments)' },
  { id: 'agt_3c5d7e9f', name: 'Isabella (Win-back)' },
];

/** The agents generated datasets draw from, for tests that filter by agent. */
export const SIMULATED_AGENTS: readonly { id: string; name: string }[] = AGENTS;

const TEMPLATES: NonEmpty<string> = [
  'recordatorio_pago_v3',
  'renewal_offer_2025',
  'bienvenida_cliente',
  'encuesta_nps_corta',
  'confirmacion_cita',
  'winback_discount_10',
];

const FIRST_MESSAGES: NonEmpty<string> = [
  'Hola {{first_name}}, te habla {{agent_name}} de Financiera Andina. ¿Tienes un minuto?',
  'Hi {{first_name}}, this is {{agent_name}} calling about your policy renewal.',
  'Buenos días {{first_name}}, le llamamos para confirmar su cita de mañana.',
  'Hola {{first_name}} 👋 Te recordamos que tu pago vence el {{due_date}}.',
];

const CYCLE_STATUS_FILTERS = ['no_answer', 'busy', 'voicemail', 'failed', 'callback_requested'] as const;
const CYCLE_TAG_FILTERS = ['vip', 'late_payment', 'new_customer', 'high_value', 'do_not_disturb'] as const;

const AURALYTIK_PURPOSES: NonEmpty<string> = [
  'Outbound Sales',
  'Lead Nurturing',
  'Customer Reactivation',
  'Appointment Reminders',
  'Post-sale Survey',
  'Renovaciones Premium',
  'Cobranza temprana',
  'Encuesta NPS posventa',
  'Onboarding Flow',
];

const AURALYTIK_DESCRIPTIONS: NonEmpty<string> = [
  'Outbound sales campaign targeting new leads',
  'Nurtures leads that opened the last newsletter',
  'Recordatorios automáticos de citas por WhatsApp',
  'Encuesta posventa de 3 preguntas',
  'Reactivates customers inactive for 60+ days',
  'Guided onboarding flow for new accounts',
];

// ---------------------------------------------------------------------------------------------
// Builders

function quarterOf(ms: number): string {
  return `Q${Math.floor(new Date(ms).getUTCMonth() / 3) + 1}`;
}

function schedule(rng: Rng): Record<AlturWeekday, AlturDaySchedule> {
  const startTime = rng.pick(['08:00', '08:30', '09:00', '09:00', '10:00'] as const);
  const endTime = rng.pick(['17:00', '18:00', '18:00', '19:00', '20:00'] as const);
  const saturday = rng.chance(0.35);
  const weekday = (): AlturDaySchedule => ({ startTime, endTime, active: true });
  return {
    mon: weekday(),
    tue: weekday(),
    wed: weekday(),
    thu: weekday(),
    fri: weekday(),
    sat: { startTime: '10:00', endTime: '14:00', active: saturday },
    sun: { startTime: '10:00', endTime: '14:00', active: false },
  };
}

function alturName(rng: Rng, createdMs: number, city: string): string {
  if (rng.chance(0.5)) return `${quarterOf(createdMs)} ${rng.pick(PURPOSES_EN)} — ${city}`;
  const month = MONTHS_ES[new Date(createdMs).getUTCMonth()] ?? 'enero';
  const purpose = rng.pick(PURPOSES_ES);
  return rng.chance(0.5) ? `${purpose} ${month}` : `${purpose} — ${city}`;
}

function buildAlturRecord(rng: Rng, id: number, createdMs: number): AlturCampaignRecord {
  const [city, timezone] = rng.pick(CITIES);
  const integration: AlturIntegration = rng.chance(0.7) ? 'phone_call' : 'whatsapp';
  const status = rng.weighted<AlturStatus>([
    ['pending', 5],
    ['ready', 10],
    ['active', 35],
    ['inactive', 15],
    ['cooldown', 10],
    ['finished', 25],
  ]);
  const cycleEnabled = rng.chance(0.4);
  const maxIterations = cycleEnabled ? rng.int(2, 6) : null;
  const currentIteration = maxIterations === null ? 0 : rng.int(0, maxIterations);
  const lastIterationMs =
    currentIteration > 0 ? Math.min(LAST_INSTANT, createdMs + rng.int(1, 60) * DAY_MS) : null;
  const calls = integration === 'phone_call' ? rng.int(0, 25_000) : 0;
  const messages = integration === 'whatsapp' ? rng.int(0, 40_000) : 0;
  return {
    id,
    name: alturName(rng, createdMs, city),
    description: rng.chance(0.05) ? null : rng.pick(DESCRIPTIONS),
    status,
    created_at: formatIsoSeconds(createdMs),
    agent: rng.chance(0.03) ? null : { ...rng.pick(AGENTS) },
    scheduling: schedule(rng),
    timezone: rng.chance(0.02) ? null : timezone,
    retries: rng.int(0, 5),
    concurrency: rng.pick([1, 2, 5, 10, 20, 50] as const),
    archived: rng.chance(0.1),
    template: integration === 'whatsapp' || rng.chance(0.3) ? rng.pick(TEMPLATES) : null,
    first_message: rng.chance(0.1) ? null : rng.pick(FIRST_MESSAGES),
    cycle_enabled: cycleEnabled,
    cycle_max_iterations: maxIterations,
    cycle_cooldown: cycleEnabled ? rng.pick([60, 120, 720, 1440] as const) : null,
    cycle_status_filters: cycleEnabled ? rng.subset(CYCLE_STATUS_FILTERS, 0.5) : [],
    cycle_tag_filters: cycleEnabled ? rng.subset(CYCLE_TAG_FILTERS, 0.3) : [],
    cycle_current_iteration: currentIteration,
    last_iteration_at: lastIterationMs === null ? null : formatIsoSeconds(lastIterationMs),
    integration,
    integration_id: `int_${rng.hex(10)}`,
    analytics: {
      calls,
      answered: Math.floor(calls * rng.float() * 0.7),
      messages_sent: messages,
      conversions: Math.floor((calls + messages) * rng.float() * 0.08),
      avg_duration_seconds: calls === 0 ? 0 : rng.int(25, 240),
    },
  };
}

function buildAuralytikRecord(rng: Rng, id: string, createdMs: number): AuralytikCampaignRecord {
  const type: AuralytikType = rng.chance(0.6) ? 'VoiceBot' : 'Flow';
  const channelType = rng.chance(0.04)
    ? 'SMS'
    : type === 'VoiceBot'
      ? rng.chance(0.9)
        ? 'Voice'
        : 'WhatsApp'
      : rng.chance(0.85)
        ? 'WhatsApp'
        : 'Voice';
  const status = rng.weighted<AuralytikStatus>([
    ['Running', 45],
    ['Paused', 20],
    ['Completed', 35],
  ]);
  const startMs = rng.chance(0.1)
    ? null
    : Math.floor((createdMs + rng.int(0, 14) * DAY_MS) / DAY_MS) * DAY_MS;
  const endMs =
    startMs === null || rng.chance(0.25) ? null : startMs + rng.int(30, 120) * DAY_MS + DAY_MS - 1000;
  const year = new Date(createdMs).getUTCFullYear();
  const purpose = rng.pick(AURALYTIK_PURPOSES);
  return {
    id,
    name: rng.chance(0.6)
      ? `${quarterOf(createdMs)} ${purpose}`
      : `${purpose} ${year} — ${rng.pick(CITIES)[0]}`,
    description: rng.chance(0.05) ? null : rng.pick(AURALYTIK_DESCRIPTIONS),
    type,
    status,
    channelType,
    startDate: startMs === null ? null : formatIsoSeconds(startMs),
    endDate: endMs === null ? null : formatIsoSeconds(endMs),
    createdAt: formatIsoSeconds(createdMs),
  };
}

/** Creation instants in whole seconds (Altur's zone-less form has no milliseconds), oldest first. */
function creationInstants(rng: Rng, count: number, tieEvery: number): number[] {
  const span = Math.floor((LAST_INSTANT - FIRST_INSTANT) / 1000);
  const instants: number[] = [];
  for (let i = 0; i < count; i++) {
    const earlier = instants.length > 0 ? instants[rng.int(0, instants.length - 1)] : undefined;
    const isTie = tieEvery > 0 && i % tieEvery === tieEvery - 1 && earlier !== undefined;
    instants.push(isTie ? earlier : FIRST_INSTANT + rng.int(0, span) * 1000);
  }
  return instants.sort((a, b) => a - b);
}

function checkCount(options: GenerateOptions): number {
  if (!Number.isInteger(options.count) || options.count < 0) {
    throw new RangeError(`count must be a non-negative integer, got ${options.count}`);
  }
  const tieEvery = options.tieEvery ?? 15;
  if (!Number.isInteger(tieEvery) || tieEvery < 0) {
    throw new RangeError(`tieEvery must be a non-negative integer, got ${tieEvery}`);
  }
  return tieEvery;
}

/** Raw Altur records with increasing integer ids from 10001, creation order matching id order. */
export function generateAlturDataset(options: GenerateOptions): AlturCampaignRecord[] {
  const tieEvery = checkCount(options);
  const rng = new Rng(options.seed);
  let id = 10_000;
  return creationInstants(rng, options.count, tieEvery).map((createdMs) => {
    id += rng.int(1, 3);
    return buildAlturRecord(rng, id, createdMs);
  });
}

/** Raw Auralytik records with ids `camp_` + 6 hex digits, unique within the dataset. */
export function generateAuralytikDataset(options: GenerateOptions): AuralytikCampaignRecord[] {
  const tieEvery = checkCount(options);
  const rng = new Rng(options.seed);
  const used = new Set<string>();
  return creationInstants(rng, options.count, tieEvery).map((createdMs) => {
    let id = `camp_${rng.hex(6)}`;
    while (used.has(id)) id = `camp_${rng.hex(6)}`;
    used.add(id);
    return buildAuralytikRecord(rng, id, createdMs);
  });
}

function assertInstant(value: string | null, what: string): void {
  if (value !== null && parseInstantMs(value) === null) {
    throw new RangeError(`${what} is not an ISO 8601 instant: ${JSON.stringify(value)}`);
  }
}

function defaultCreatedMs(rng: Rng): number {
  return FIRST_INSTANT + rng.int(0, Math.floor((LAST_INSTANT - FIRST_INSTANT) / 1000)) * 1000;
}

/**
 * A full Altur record from the fields a test cares about. Missing fields are derived from the id,
 * so the same input always gives the same record.
 */
export function alturCampaign(input: AlturCampaignInput): AlturCampaignRecord {
  if (!Number.isSafeInteger(input.id) || input.id < 0) {
    throw new RangeError(`Altur ids are non-negative integers, got ${input.id}`);
  }
  const rng = new Rng(input.id ^ 0x5eed);
  const createdMs =
    input.created_at === undefined ? defaultCreatedMs(rng) : (parseInstantMs(input.created_at) ?? 0);
  const record = { ...buildAlturRecord(rng, input.id, createdMs), ...input };
  assertInstant(record.created_at, `campaign ${record.id} created_at`);
  assertInstant(record.last_iteration_at, `campaign ${record.id} last_iteration_at`);
  return record;
}

/** A full Auralytik record from the fields a test cares about; see {@link alturCampaign}. */
export function auralytikCampaign(input: AuralytikCampaignInput): AuralytikCampaignRecord {
  const rng = new Rng(fnv1a(input.id));
  const createdMs =
    input.createdAt === undefined ? defaultCreatedMs(rng) : (parseInstantMs(input.createdAt) ?? 0);
  const record = { ...buildAuralytikRecord(rng, input.id, createdMs), ...input };
  assertInstant(record.createdAt, `campaign ${record.id} createdAt`);
  assertInstant(record.startDate, `campaign ${record.id} startDate`);
  assertInstant(record.endDate, `campaign ${record.id} endDate`);
  return record;
}

function assertUniqueIds(ids: readonly (string | number)[], provider: string): void {
  const seen = new Set<string | number>();
  for (const id of ids) {
    if (seen.has(id)) throw new RangeError(`${provider} dataset has a duplicate id: ${id}`);
    seen.add(id);
  }
}

/** Completes each input record (see {@link alturCampaign}) and rejects duplicate ids. */
export function alturDataset(inputs: readonly AlturCampaignInput[]): AlturCampaignRecord[] {
  const records = inputs.map(alturCampaign);
  assertUniqueIds(
    records.map((record) => record.id),
    'Altur',
  );
  return records;
}

/** Completes each input record (see {@link auralytikCampaign}) and rejects duplicate ids. */
export function auralytikDataset(inputs: readonly AuralytikCampaignInput[]): AuralytikCampaignRecord[] {
  const records = inputs.map(auralytikCampaign);
  assertUniqueIds(
    records.map((record) => record.id),
    'Auralytik',
  );
  return records;
}
