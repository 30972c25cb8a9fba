import fc from 'fast-check';

/**
 * Values a drifting provider might put in any field: the edges of each type the schemas check (int32 and
 * safe-integer bounds, -0, NaN, empty and padded strings, readable and unreadable timestamps), plus
 * arbitrary JSON. Not only JSON: the mappings take `unknown`.
 */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    true,
    false,
    0,
    -0,
    1,
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    2 ** 31 - 1,
    2 ** 31,
    -(2 ** 31),
    -(2 ** 31) - 1,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 1,
    -Number.MAX_SAFE_INTEGER - 2,
    '',
    ' ',
    '0',
    '007',
    '123',
    '1'.repeat(31),
    '-5',
    '\uD800',
    'abc',
    ' Active ',
    '2024-01-15',
    '2025-10-03 19:11:39',
    '2024-01-10T09:00:00+02:00',
    '2024-02-30T00:00:00Z',
    'garbage',
    [],
    ['a', 1, null, 'b'],
    {},
    { id: 1 },
  ),
  fc.jsonValue(),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double(),
);

/** Mostly a well-formed value, sometimes an odd one, so that both paths get plenty of work. */
export function mostly<T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: good, weight: 3 }, { arbitrary: oddValue, weight: 1 });
}

export const timestamp: fc.Arbitrary<string> = fc
  .tuple(
    fc.date({
      min: new Date('1900-01-01T00:00:00Z'),
      max: new Date('2100-01-01T00:00:00Z'),
      noInvalidDate: true,
    }),
    fc.constantFrom(
      (iso: string) => iso,
      (iso: string) => `${iso.slice(0, 19)}Z`,
      (iso: string) => iso.slice(0, 19).replace('T', ' '),
      (iso: string) => `${iso.slice(0, 19)}-05:00`,
      (iso: string) => iso.slice(0, 10),
    ),
  )
  .map(([date, form]) => form(date.toISOString()));

/** A raw item in the shape of `keys` (each key may be absent), or now and then no object at all. */
export function rawItem(
  keys: Record<string, fc.Arbitrary<unknown>>,
  required: string[],
): fc.Arbitrary<unknown> {
  const record = fc.record(keys, { requiredKeys: required });
  return fc.oneof(
    { arbitrary: record, weight: 12 },
    // Extra keys are stripped by zod and ignored by the fast path.
    {
      arbitrary: fc
        .tuple(record, fc.dictionary(fc.string(), oddValue))
        .map(([r, extra]) => ({ ...extra, ...r })),
      weight: 2,
    },
    // zod takes any non-array object, whatever its prototype.
    { arbitrary: record.map((r) => Object.assign(Object.create(null), r)), weight: 1 },
    { arbitrary: oddValue, weight: 1 },
  );
}
