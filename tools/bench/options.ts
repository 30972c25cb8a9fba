import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Seconds measured per row. */
  durationS: number;
  /** Seconds of discarded load before each row. */
  warmupS: number;
  /** Connections of the loaded rows. */
  connections: number;
  /** Longest wait for the machine to be quiet before a row, in ms. */
  quietWaitMs: number;
  /** Rewrite the generated sections of BENCHMARKS.md. */
  write: boolean;
  /** Run `npm run build` first (off to A/B another build with `gatewayEntry`). */
  build: boolean;
  /** Profile the gateway under varied merged traffic instead of measuring the rows. */
  profile: boolean;
  /** The BENCHMARKS.md section a profile is written to (`before`, `after`, …). */
  profileSection: string;
  /** Row ids, or null for every row. */
  only: ReadonlySet<string> | null;
  gatewayNodeArgs: string[];
  /** Another build's `main.js`, relative to the repository. */
  gatewayEntry: string | null;
  /** The command line as given, for the report. */
  args: string[];
}

export const USAGE = `npm run bench [-- options]
  --duration S          seconds measured per row (default 8; BENCH_DURATION)
  --warmup S            seconds of discarded load before each row (default 2; BENCH_WARMUP)
  --connections N       connections of the loaded rows (default 10; BENCH_CONNECTIONS)
  --quick               a check that the machinery works: 2 s rows, 0.5 s warm-up, short quiet wait, no write
  --only ids            a comma list of rows
  --no-write            print only; leave BENCHMARKS.md alone
  --skip-build          reuse dist/
  --profile             the gateway under node --cpu-prof with varied merged traffic, then a heap snapshot
  --profile-section N   the BENCHMARKS.md section the profile goes to (default "profile")
  --gateway-node-args   extra node flags for the gateway, e.g. "--max-semi-space-size=64"
  --gateway-entry PATH  another build's main.js (with --skip-build)`;

export function positive(name: string, raw: string, integer: boolean): number {
  const value = Number(raw);
  if (!(value > 0) || (integer && !Number.isInteger(value))) {
    throw new RangeError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${raw}`);
  }
  return value;
}

/** Flags win over the environment, `--quick` only sets what no flag or variable set. */
export function parseBenchOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
      'skip-build': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'profile-section': { type: 'string', default: 'profile' },
      only: { type: 'string' },
      'gateway-node-args': { type: 'string' },
      'gateway-entry': { type: 'string' },
    },
    strict: true,
  });
  const quick = values.quick;
  const duration = values.duration ?? env.BENCH_DURATION ?? (quick ? '2' : '8');
  const warmup = values.warmup ?? env.BENCH_WARMUP ?? (quick ? '0.5' : '2');
  const connections = values.connections ?? env.BENCH_CONNECTIONS ?? '10';
  if (!/^[a-z0-9-]+$/.test(values['profile-section'])) {
    throw new RangeError('--profile-section must be lower-case letters, digits and dashes');
  }
  const only =
    values.only === undefined
      ? null
      : new Set(
          values.only
            .split(',')
            .map((id) => id.trim())
            .filter((id) => id !== ''),
        );
  return {
    durationS: positive('duration', duration, false),
    warmupS: positive('warmup', warmup, false),
    connections: positive('connections', connections, true),
    quietWaitMs: quick ? 2000 : 10_000,
    write: !values['no-write'] && !quick,
    build: !values['skip-build'],
    profile: values.profile,
    profileSection: values['profile-section'],
    only,
    gatewayNodeArgs: (values['gateway-node-args'] ?? '').split(/\s+/).filter((arg) => arg !== ''),
    gatewayEntry: values['gateway-entry'] ?? null,
    args: [...argv],
  };
}
