/**
 * The provider values a list filter needs, one upstream query each: `[undefined]` when the filter does not
 * constrain this field, the distinct expressible values otherwise — none when nothing is expressible, which
 * excludes the provider.
 */
export function expressible<T, V extends string>(
  wanted: readonly T[] | null,
  toProvider: (value: T) => V | null,
): (V | undefined)[] {
  if (wanted === null) return [undefined];
  const values = new Set<V>();
  for (const value of wanted) {
    const mapped = toProvider(value);
    if (mapped !== null) values.add(mapped);
  }
  return [...values].sort();
}
