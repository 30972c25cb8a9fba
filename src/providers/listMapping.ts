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
 * object (UpstreamClient coalesces them), and the shared cache hands out the same body until it expires, so
 * concurrent GraphQL requests for the same page validate and map it once. `context` must follow from the
 * request that fetched the body (it is not part of the key). Results are treated as immutable by every
 * reader; a body that failed to map is not remembered.
 *
 * The result lives in a symbol-keyed, non-enumerable slot of the body itself rather than in a WeakMap keyed
 * by it: V8's scavenger keeps a WeakMap's values alive while their keys are young, so every mapped page and
 * its body survived into the old generation (60 % of a page read's allocation promoted, 788 -> 415 µs of CPU
 * per Auralytik page read once the slot replaced it; see BENCHMARKS.md). JSON.stringify and structuredClone
 * skip symbol keys, so the body still serialises as received.
 */
export function memoByBody<T, C = void>(
  compute: (body: unknown, context: C) => T,
): (body: unknown, context: C) => T {
  const slot = Symbol('mapped');
  return (body, context) => {
    if (typeof body !== 'object' || body === null || !Object.isExtensible(body)) {
      return compute(body, context);
    }
    const held = (body as Record<symbol, T | undefined>)[slot];
    if (held !== undefined) return held;
    const result = compute(body, context);
    Object.defineProperty(body, slot, { value: result });
    return result;
  };
}
