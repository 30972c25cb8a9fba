/**
 * One change to a simulator's data, as the provider would see it: the record after the change (or the
 * one removed), and for an update the record before it.
 */
export type CampaignChange<R> =
  | { readonly kind: 'created'; readonly record: R }
  | { readonly kind: 'deleted'; readonly record: R }
  | { readonly kind: 'updated'; readonly record: R; readonly previous: R };

export type ChangeListener<R> = (change: CampaignChange<R>) => void;

/**
 * Synchronous fan-out of changes. Listeners run after the change is applied, so one may read the new
 * state or mutate again. A listener that throws does not keep the others from hearing the change; the
 * first error is rethrown once all have run, so a broken test listener is loud but the data stays
 * consistent.
 */
export class ChangeFeed<R> {
  readonly #listeners = new Set<ChangeListener<R>>();

  subscribe(listener: ChangeListener<R>): () => void {
    // A wrapper per subscription, so subscribing the same function twice needs two unsubscribes.
    const entry: ChangeListener<R> = (change) => listener(change);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  emit(change: CampaignChange<R>): void {
    let failure: { error: unknown } | null = null;
    // A copy: a listener that unsubscribes (or subscribes) while hearing a change must not skip another.
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== null) throw failure.error;
  }
}

/** Whole seconds: Altur's zone-less timestamps cannot carry milliseconds, and Auralytik's are kept alike. */
export function floorToSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/**
 * Inserts into a list sorted by `compare` (negative: `a` first), keeping it sorted; O(log n) to find the
 * place, one splice to insert. Equal items go after the existing ones.
 */
export function insertSorted<T>(list: T[], item: T, compare: (a: T, b: T) => number): void {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const existing = list[mid];
    if (existing !== undefined && compare(existing, item) <= 0) low = mid + 1;
    else high = mid;
  }
  list.splice(low, 0, item);
}

/**
 * The createdAt of a campaign created now without an explicit one: the clock in whole seconds, but never
 * older than the newest campaign, so it lands at the head even under a fake clock that lags the data.
 * When it would tie with the newest, it keeps the tie only if the provider's tie rule puts it first
 * (`winsTie`); otherwise it takes the next second.
 */
export function headInstant(nowMs: number, newestMs: number | undefined, winsTie: boolean): number {
  const candidate = floorToSecond(nowMs);
  if (newestMs === undefined || candidate > newestMs) return candidate;
  if (newestMs % 1000 === 0 && winsTie) return newestMs;
  return floorToSecond(newestMs) + 1000;
}
