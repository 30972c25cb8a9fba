import { z } from 'zod';
import type { Provider } from './domain/campaign.js';

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

const optionalSecret = z.preprocess(emptyAsUndefined, z.string().trim().min(1).optional());
const url = (fallback: string) =>
  z.preprocess(
    emptyAsUndefined,
    z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .default(fallback)
      .transform((value) => value.replace(/\/+$/, '')),
  );
const positiveInt = (fallback: number, max: number) =>
  z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number({ error: 'must be a whole number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(max, { error: `must be at most ${max}` })
      .default(fallback),
  );

/** The environment the gateway reads; each variable is documented in the README's configuration table. */
export const environmentSchema = z.object({
  NODE_ENV: z.preprocess(
    emptyAsUndefined,
    z.enum(['development', 'production', 'test']).default('development'),
  ),
  PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65_535).default(4000)),
  HOST: z.preprocess(emptyAsUndefined, z.string().min(1).default('0.0.0.0')),
  LOG_LEVEL: z.preprocess(
    emptyAsUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  ALTUR_API_KEY: optionalSecret,
  ALTUR_BASE_URL: url('https://api.altur.io/api/v1.0'),
  ALTUR_RATE_LIMIT_PER_SECOND: positiveInt(12, 10_000),
  ALTUR_MAX_CONCURRENCY: positiveInt(8, 256),
  AURALYTIK_API_KEY: optionalSecret,
  AURALYTIK_BASE_URL: url('https://api.auralytik.com/v1'),
  AURALYTIK_RATE_LIMIT_PER_SECOND: positiveInt(50, 10_000),
  AURALYTIK_MAX_CONCURRENCY: positiveInt(16, 256),
  UPSTREAM_TIMEOUT_MS: positiveInt(10_000, 300_000),
  REQUEST_DEADLINE_MS: positiveInt(15_000, 600_000),
  UPSTREAM_MAX_BODY_BYTES: positiveInt(5 * 1024 * 1024, 256 * 1024 * 1024),
});

export type Environment = z.infer<typeof environmentSchema>;

export interface ProviderConfig {
  provider: Provider;
  apiKey: string;
  baseUrl: string;
  rateLimitPerSecond: number;
  maxConcurrency: number;
}

export interface Config {
  env: Environment['NODE_ENV'];
  port: number;
  host: string;
  logLevel: Environment['LOG_LEVEL'];
  upstream: { timeoutMs: number; maxBodyBytes: number };
  /** Bound on the upstream work of one GraphQL request, retries included. */
  requestDeadlineMs: number;
  /** Only the providers whose key is set: a provider without a key is not called at all. */
  providers: ProviderConfig[];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const parsed = environmentSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  const providers: ProviderConfig[] = [];
  if (env.ALTUR_API_KEY !== undefined) {
    providers.push({
      provider: 'ALTUR',
      apiKey: env.ALTUR_API_KEY,
      baseUrl: env.ALTUR_BASE_URL,
      rateLimitPerSecond: env.ALTUR_RATE_LIMIT_PER_SECOND,
      maxConcurrency: env.ALTUR_MAX_CONCURRENCY,
    });
  }
  if (env.AURALYTIK_API_KEY !== undefined) {
    providers.push({
      provider: 'AURALYTIK',
      apiKey: env.AURALYTIK_API_KEY,
      baseUrl: env.AURALYTIK_BASE_URL,
      rateLimitPerSecond: env.AURALYTIK_RATE_LIMIT_PER_SECOND,
      maxConcurrency: env.AURALYTIK_MAX_CONCURRENCY,
    });
  }
  if (providers.length === 0) {
    throw new ConfigError(
      'No provider is enabled. Set ALTUR_API_KEY and/or AURALYTIK_API_KEY (and their *_BASE_URL if not the public APIs). ' +
        'To try the gateway without keys, run `npm run demo`.',
    );
  }
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    upstream: { timeoutMs: env.UPSTREAM_TIMEOUT_MS, maxBodyBytes: env.UPSTREAM_MAX_BODY_BYTES },
    requestDeadlineMs: env.REQUEST_DEADLINE_MS,
    providers,
  };
}
