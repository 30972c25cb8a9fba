import type { AlturSimulator, AlturSimulatorOptions } from './altur.js';
import { startAlturSimulator } from './altur.js';
import type { AuralytikSimulator, AuralytikSimulatorOptions } from './auralytik.js';
import { startAuralytikSimulator } from './auralytik.js';

export * from './altur.js';
export * from './auralytik.js';
export type { CampaignChange, ChangeListener } from './changes.js';
export * from './churn.js';
export * from './data.js';
export * from './faults.js';
export type {
  Clock,
  RateLimitOptions,
  RequestFilter,
  RequestLog,
  SimulatorBase,
  SimulatorCommonOptions,
} from './http.js';
export * from './webhookSender.js';

export interface SimulatorsOptions {
  altur?: AlturSimulatorOptions | undefined;
  auralytik?: AuralytikSimulatorOptions | undefined;
}

export interface Simulators {
  altur: AlturSimulator;
  auralytik: AuralytikSimulator;
  /** Closes both; safe to call more than once. */
  close(): Promise<void>;
}

/** Starts both provider simulators; if one fails to start, the other is closed again. */
export async function startSimulators(options: SimulatorsOptions = {}): Promise<Simulators> {
  const [altur, auralytik] = await Promise.allSettled([
    startAlturSimulator(options.altur),
    startAuralytikSimulator(options.auralytik),
  ]);
  if (altur.status === 'rejected' || auralytik.status === 'rejected') {
    await Promise.all([
      altur.status === 'fulfilled' ? altur.value.close() : undefined,
      auralytik.status === 'fulfilled' ? auralytik.value.close() : undefined,
    ]);
    const failure = altur.status === 'rejected' ? altur : auralytik;
    throw failure.status === 'rejected' ? failure.reason : new Error('a simulator failed to start');
  }
  return {
    altur: altur.value,
    auralytik: auralytik.value,
    close: async () => {
      await Promise.all([altur.value.close(), auralytik.value.close()]);
    },
  };
}
