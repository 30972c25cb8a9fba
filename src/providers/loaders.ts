import DataLoader from 'dataloader';
import type { Campaign } from '../domain/campaign.js';

/**
 * Lookups by id for one GraphQL request. Neither provider has a batch endpoint, so a batch is parallel single
 * lookups; the provider's transport bounds their rate. A failed id fails alone.
 */
export function createLookupLoader(
  fetchOne: (providerId: string) => Promise<Campaign | null>,
): DataLoader<string, Campaign | null> {
  return new DataLoader<string, Campaign | null>((ids) =>
    Promise.all(ids.map((id) => fetchOne(id).catch((error: unknown) => toError(error)))),
  );
}

/**
 * Identical upstream requests within one GraphQL request are made once: the key is the normalised request.
 * No batching: each key is its own call.
 */
export function createRequestLoader<T>(fetch: (key: string) => Promise<T>): DataLoader<string, T> {
  return new DataLoader<string, T>(
    (keys) => Promise.all(keys.map((key) => fetch(key).catch((error: unknown) => toError(error)))),
    { batch: false },
  );
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** A page of a provider's list, each raw slot either a campaign or null for an item that failed validation. */
export interface ListEntries {
  entries: (Campaign | null)[];
}

/** Prime a lookup loader with what a list returned, so `node(id)` of a listed campaign costs no call. */
export function primeLookups(
  loader: DataLoader<string, Campaign | null>,
  entries: readonly (Campaign | null)[],
) {
  for (const campaign of entries) {
    if (campaign !== null) loader.prime(campaign.providerId, campaign);
  }
}
