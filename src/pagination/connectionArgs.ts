import { BadUserInputError } from '../errors.js';

/** What a client asked for, reduced to one direction; `after`/`before` are still opaque cursors. */
export type PageRequest =
  | { direction: 'forward'; count: number; after: string | null }
  | { direction: 'backward'; count: number; before: string | null };

/** Relay's connection arguments as GraphQL hands them over: absent, undefined and null all mean "not given". */
export interface ConnectionArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}

export interface PageLimits {
  /** Page size when neither `first` nor `last` is given. */
  defaultCount: number;
  /** Largest `first` or `last` accepted. */
  maxCount: number;
}

export const DEFAULT_PAGE_LIMITS: PageLimits = { defaultCount: 25, maxCount: 100 };

const ONE_DIRECTION = 'Use first with after to page forward, or last with before to page backward.' as const;

/**
 * Relay allows `first` and `last` together and cursors on both sides; a merge of several streams can only
 * walk one way from one cursor, so anything that mixes directions is refused instead of half-honoured.
 */
export function parseConnectionArgs(
  args: ConnectionArgs,
  limits: PageLimits = DEFAULT_PAGE_LIMITS,
): PageRequest {
  const first = args.first ?? null;
  const last = args.last ?? null;
  const after = args.after ?? null;
  const before = args.before ?? null;

  if (first !== null && last !== null) {
    throw new BadUserInputError(`Pass either \`first\` or \`last\`, not both. ${ONE_DIRECTION}`, {
      argument: 'last',
    });
  }
  if (first !== null && before !== null) {
    throw new BadUserInputError(ONE_DIRECTION, { argument: 'before' });
  }
  if (last !== null && after !== null) {
    throw new BadUserInputError(ONE_DIRECTION, { argument: 'after' });
  }
  if (after !== null && before !== null) {
    throw new BadUserInputError(ONE_DIRECTION, { argument: 'before' });
  }

  if (last !== null) {
    return { direction: 'backward', count: checkedCount('last', last, limits), before };
  }
  if (first !== null) {
    return { direction: 'forward', count: checkedCount('first', first, limits), after };
  }
  if (before !== null) {
    return { direction: 'backward', count: limits.defaultCount, before };
  }
  return { direction: 'forward', count: limits.defaultCount, after };
}

function checkedCount(argument: 'first' | 'last', value: number, limits: PageLimits): number {
  if (Number.isInteger(value) && value >= 0 && value <= limits.maxCount) return value;
  throw new BadUserInputError(`\`${argument}\` must be between 0 and ${limits.maxCount}; got ${value}.`, {
    argument,
  });
}
