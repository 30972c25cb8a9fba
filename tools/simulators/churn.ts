import type { AlturSimulator } from './altur.js';
import type { AuralytikSimulator } from './auralytik.js';
import { ALTUR_STATUSES, AURALYTIK_STATUSES, mulberry32 } from './data.js';

export interface ChurnOptions {
  /** Time between rounds. @default 3000 */
  intervalMs?: number | undefined;
  /** Seed of the choices (which campaign changes, to what, which is deleted). @default 1 */
  seed?: number | undefined;
  /** Chance per round and provider that one random campaign is deleted; 0 never deletes. @default 0 */
  deleteProbability?: number | undefined;
  /** Stops by itself once this many changes (creates, status changes, deletes) were made. @default none */
  maxChanges?: number | undefined;
}

/** The simulators to change; either may be left out. `startSimulators()`'s result fits as it is. */
export interface ChurnTargets {
  altur?: AlturSimulator | undefined;
  auralytik?: AuralytikSimulator | undefined;
}

export interface Churn {
  /** Time between rounds. */
  readonly intervalMs: number;
  /** Runs one round now, as the timer would: for tests that must not wait on time. */
  tick(): void;
  /** Changes made so far, over all simulators. */
  readonly changes: number;
  readonly stopped: boolean;
  /** Clears the timer; idempotent. A promise so that asynchronous work (webhooks) can join it later. */
  stop(): Promise<void>;
}

/** What a round needs from one simulator, whatever its id and status types. */
interface Mutable<Id, Status extends string> {
  dataset(): readonly { id: Id; status: Status }[];
  createCampaign(): unknown;
  updateCampaign(id: Id, patch: { status: Status }): unknown;
  deleteCampaign(id: Id): boolean;
}

type Step = () => void;

function pick<T>(items: readonly T[], random: () => number): T | undefined {
  return items[Math.floor(random() * items.length)];
}

/** One round's steps for one simulator; each step makes exactly one change or none. */
function stepsFor<Id, Status extends string>(
  sim: Mutable<Id, Status>,
  statuses: readonly Status[],
  random: () => number,
  deleteProbability: number,
  count: () => boolean,
): Step[] {
  return [
    () => {
      if (count()) sim.createCampaign();
    },
    () => {
      const target = pick(sim.dataset(), random);
      if (target === undefined) return;
      const status = pick(
        statuses.filter((candidate) => candidate !== target.status),
        random,
      );
      if (status !== undefined && count()) sim.updateCampaign(target.id, { status });
    },
    () => {
      // The roll happens every round, deletes or not, so turning deletes on does not reshuffle the rest.
      const roll = random();
      if (roll >= deleteProbability) return;
      const target = pick(sim.dataset(), random);
      if (target !== undefined && count()) sim.deleteCampaign(target.id);
    },
  ];
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new RangeError(message);
}

/**
 * Changes the simulators' data on a timer, as the real providers' data changes all day: every round
 * creates one campaign at each provider's head and changes one random campaign's status (and, when
 * asked, deletes one). Seeded, so a run is repeatable. The timer is unref'd: churn alone never keeps a
 * process alive.
 */
export function startChurn(targets: ChurnTargets, options: ChurnOptions = {}): Churn {
  const intervalMs = options.intervalMs ?? 3000;
  const deleteProbability = options.deleteProbability ?? 0;
  const maxChanges = options.maxChanges ?? Number.POSITIVE_INFINITY;
  check(Number.isFinite(intervalMs) && intervalMs > 0, `intervalMs must be positive, got ${intervalMs}`);
  check(
    deleteProbability >= 0 && deleteProbability <= 1,
    `deleteProbability must be within 0..1, got ${deleteProbability}`,
  );
  check(
    maxChanges === Number.POSITIVE_INFINITY || (Number.isInteger(maxChanges) && maxChanges >= 0),
    `maxChanges must be a non-negative integer, got ${maxChanges}`,
  );

  const random = mulberry32(options.seed ?? 1);
  let changes = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const stop = (): Promise<void> => {
    stopped = true;
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
    return Promise.resolve();
  };
  // Claims one change of the budget; false once it is spent (the churn is then stopped).
  const count = (): boolean => {
    if (stopped || changes >= maxChanges) {
      void stop();
      return false;
    }
    changes += 1;
    return true;
  };

  const steps: Step[] = [];
  if (targets.altur !== undefined) {
    steps.push(...stepsFor(targets.altur, ALTUR_STATUSES, random, deleteProbability, count));
  }
  if (targets.auralytik !== undefined) {
    steps.push(...stepsFor(targets.auralytik, AURALYTIK_STATUSES, random, deleteProbability, count));
  }

  const tick = (): void => {
    for (const step of steps) {
      if (stopped) return;
      step();
    }
    if (changes >= maxChanges) void stop();
  };

  if (maxChanges === 0) void stop();
  else timer = setInterval(tick, intervalMs).unref();

  return {
    intervalMs,
    tick,
    get changes() {
      return changes;
    },
    get stopped() {
      return stopped;
    },
    stop,
  };
}

/**
 * Whether a dev script should churn: on unless `DEMO_CHANGES=off` (or `false`/`0`) or `--static` is
 * given, so the demo shows a living list by default. Any other value of the variable is refused, so a
 * typo does not silently leave the churn on.
 */
export function churnRequested(env: NodeJS.ProcessEnv, argv: readonly string[]): boolean {
  if (argv.includes('--static')) return false;
  const raw = env.DEMO_CHANGES?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === 'on' || raw === 'true' || raw === '1') return true;
  if (raw === 'off' || raw === 'false' || raw === '0') return false;
  throw new RangeError(`DEMO_CHANGES must be on or off, got ${JSON.stringify(env.DEMO_CHANGES)}`);
}

/** The one line the dev scripts log when churn is on, saying how to turn it off. */
export function churnNotice(intervalMs: number): string {
  return (
    `simulated data changes every ${intervalMs / 1000} s (a new campaign at each provider's head and a ` +
    'status change); DEMO_CHANGES=off or --static keeps it still'
  );
}
