import { z } from 'zod';
import { UpstreamBadResponseError } from '../../../src/errors.js';
import { NIMBUS } from './campaign.js';

/**
 * A campaign as Nimbus sends it. Only id, title, state and created are required; `created` is whole epoch
 * seconds, which is why campaigns so often share an instant and the tie order matters.
 */
export const nimbusItemSchema = z.object({
  id: z
    .int({ error: 'expected a positive integer id' })
    .positive({ error: 'expected a positive integer id' }),
  title: z.string(),
  notes: z.string().nullish().catch(null),
  state: z.string(),
  owner: z.string().nullish().catch(null),
  // An out-of-range priority says nothing usable; it is dropped rather than failing the campaign.
  priority: z.int().min(1).max(5).nullish().catch(null),
  created: z.int({ error: 'expected epoch seconds' }).nonnegative({ error: 'expected epoch seconds' }),
});
export type NimbusItem = z.infer<typeof nimbusItemSchema>;

/** `GET /items`: the items are left unvalidated here, each is validated on its own by the mapping. */
export const nimbusListSchema = z.object({
  items: z.array(z.unknown()),
  total: z.int().nonnegative(),
});
export type NimbusListPage = z.infer<typeof nimbusListSchema>;

/** `GET /items/{id}`: a bare campaign object. */
export const nimbusDetailSchema = z.record(z.string(), z.unknown(), { error: 'expected a campaign object' });

/** Nimbus's error body: `{error, retry_in}` with the seconds to wait on a 429 or 503. */
export const nimbusErrorSchema = z.object({
  error: z.string(),
  retry_in: z.number().nonnegative().optional(),
});

function badResponse(what: string, error: z.ZodError): UpstreamBadResponseError {
  const issue = error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? 'body' : z.core.toDotPath(issue.path);
  return new UpstreamBadResponseError(
    NIMBUS,
    `unexpected ${what} response (${where}: ${issue?.message ?? 'invalid'})`,
    z.prettifyError(error),
  );
}

export function parseNimbusList(body: unknown): NimbusListPage {
  const parsed = nimbusListSchema.safeParse(body);
  if (!parsed.success) throw badResponse('campaign list', parsed.error);
  return parsed.data;
}

export function parseNimbusDetail(body: unknown): Record<string, unknown> {
  const parsed = nimbusDetailSchema.safeParse(body);
  if (!parsed.success) throw badResponse('campaign detail', parsed.error);
  return parsed.data;
}

/** The transport's retry hint from an error body; never throws, as the transport requires. */
export function nimbusRetryAfterSeconds(body: unknown): number | null {
  const parsed = nimbusErrorSchema.safeParse(body);
  return parsed.success ? (parsed.data.retry_in ?? null) : null;
}
