import type { ItemIssue } from './types.js';

export type MapResult<T> = { ok: true; campaign: T } | { ok: false; issue: ItemIssue };

export interface MappedList<T> {
  /** One slot per item the provider sent, null where the item failed validation (reported, not shown). */
  entries: (T | null)[];
  issues: ItemIssue[];
}

/** Maps a page's items one by one; an invalid item becomes a null slot and an issue naming its place. */
export function mapListEntries<T>(
  items: readonly unknown[],
  mapItem: (item: unknown) => MapResult<T>,
  listField: string,
): MappedList<T> {
  const issues: ItemIssue[] = [];
  const entries = items.map((item, index) => {
    const mapped = mapItem(item);
    if (mapped.ok) return mapped.campaign;
    const place = `${listField}[${index}]`;
    issues.push({
      ...mapped.issue,
      field: mapped.issue.field === '' ? place : `${place}.${mapped.issue.field}`,
    });
    return null;
  });
  return { entries, issues };
}

/**
 * Remembers what was computed from a parsed upstream body. Identical GETs in flight at once share one body
 * object (UpstreamClient coalesces them), so concurrent GraphQL requests for the same page validate and map
 * it once. `context` must follow from the request that fetched the body (it is not part of the key).
 * Results are treated as immutable by every reader; a body that failed to map is not remembered.
 */
export function memoByBody<T, C = void>(
  compute: (body: unknown, context: C) => T,
): (body: unknown, context: C) => T {
  const computed = new WeakMap<object, T>();
  return (body, context) => {
    if (typeof body !== 'object' || body === null) return compute(body, context);
    let result = computed.get(body);
    if (result === undefined) {
      result = compute(body, context);
      computed.set(body, result);
    }
    return result;
  };
}
