import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadUserInputError } from '../../../src/errors.js';
import {
  type ConnectionArgs,
  type PageRequest,
  parseConnectionArgs,
} from '../../../src/pagination/connectionArgs.js';

const ONE_DIRECTION = 'Use first with after to page forward, or last with before to page backward.';

function rejection(run: () => unknown): BadUserInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof BadUserInputError) return error;
    throw error;
  }
  throw new Error('expected a BadUserInputError');
}

describe('parseConnectionArgs', () => {
  it.each<[string, ConnectionArgs, PageRequest]>([
    ['no arguments', {}, { direction: 'forward', count: 25, after: null }],
    [
      'all null',
      { first: null, after: null, last: null, before: null },
      { direction: 'forward', count: 25, after: null },
    ],
    ['first', { first: 10 }, { direction: 'forward', count: 10, after: null }],
    ['first 0: an empty page', { first: 0 }, { direction: 'forward', count: 0, after: null }],
    ['first at the maximum', { first: 100 }, { direction: 'forward', count: 100, after: null }],
    ['first with after', { first: 5, after: 'abc' }, { direction: 'forward', count: 5, after: 'abc' }],
    ['only after', { after: 'abc' }, { direction: 'forward', count: 25, after: 'abc' }],
    ['only before', { before: 'xyz' }, { direction: 'backward', count: 25, before: 'xyz' }],
    ['last alone: from the end', { last: 3 }, { direction: 'backward', count: 3, before: null }],
    ['last with before', { last: 3, before: 'xyz' }, { direction: 'backward', count: 3, before: 'xyz' }],
    ['last with a null first', { first: null, last: 7 }, { direction: 'backward', count: 7, before: null }],
    ['first with a null before', { first: 7, before: null }, { direction: 'forward', count: 7, after: null }],
  ])('%s', (_name, args, expected) => {
    expect(parseConnectionArgs(args)).toEqual(expected);
  });

  it('uses the given limits', () => {
    const limits = { defaultCount: 10, maxCount: 50 };
    expect(parseConnectionArgs({}, limits)).toEqual({ direction: 'forward', count: 10, after: null });
    expect(parseConnectionArgs({ before: 'b' }, limits)).toEqual({
      direction: 'backward',
      count: 10,
      before: 'b',
    });
    expect(rejection(() => parseConnectionArgs({ first: 51 }, limits)).message).toBe(
      '`first` must be between 0 and 50; got 51.',
    );
  });

  it.each<[string, ConnectionArgs, string, string]>([
    [
      'first with last',
      { first: 1, last: 1 },
      `Pass either \`first\` or \`last\`, not both. ${ONE_DIRECTION}`,
      'last',
    ],
    ['first with before', { first: 1, before: 'b' }, ONE_DIRECTION, 'before'],
    ['last with after', { last: 1, after: 'a' }, ONE_DIRECTION, 'after'],
    ['after with before', { after: 'a', before: 'b' }, ONE_DIRECTION, 'before'],
    ['first above the maximum', { first: 1000 }, '`first` must be between 0 and 100; got 1000.', 'first'],
    ['first negative', { first: -1 }, '`first` must be between 0 and 100; got -1.', 'first'],
    ['first not an integer', { first: 2.5 }, '`first` must be between 0 and 100; got 2.5.', 'first'],
    ['first NaN', { first: Number.NaN }, '`first` must be between 0 and 100; got NaN.', 'first'],
    ['last above the maximum', { last: 101 }, '`last` must be between 0 and 100; got 101.', 'last'],
    ['last negative', { last: -5, before: 'b' }, '`last` must be between 0 and 100; got -5.', 'last'],
  ])('rejects %s', (_name, args, message, argument) => {
    const error = rejection(() => parseConnectionArgs(args));
    expect(error.message).toBe(message);
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', argument });
  });
});

describe('parseConnectionArgs properties', () => {
  const cursor = fc.option(fc.string(), { nil: null });
  const maybe = <T>(arbitrary: fc.Arbitrary<T>) =>
    fc.option(fc.option(arbitrary, { nil: null }), { nil: undefined });

  it('pages forward by any count in range, keeping the cursor', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), cursor, (first, after) => {
        expect(parseConnectionArgs({ first, after })).toEqual({ direction: 'forward', count: first, after });
      }),
    );
  });

  it('pages backward by any count in range, keeping the cursor', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), cursor, (last, before) => {
        expect(parseConnectionArgs({ last, before })).toEqual({ direction: 'backward', count: last, before });
      }),
    );
  });

  it('names the range for any count outside it', () => {
    const outside = fc.oneof(
      fc.integer({ max: -1 }),
      fc.integer({ min: 101 }),
      fc.double({ noInteger: true }),
    );
    fc.assert(
      fc.property(fc.constantFrom('first' as const, 'last' as const), outside, (argument, value) => {
        const error = rejection(() => parseConnectionArgs({ [argument]: value }));
        expect(error.message).toBe(`\`${argument}\` must be between 0 and 100; got ${value}.`);
        expect(error.extensions.argument).toBe(argument);
      }),
    );
  });

  it('either returns an in-range request in one direction or throws BadUserInputError', () => {
    const count = fc.oneof(fc.integer({ min: -5, max: 150 }), fc.double());
    const args = fc.record({
      first: maybe(count),
      last: maybe(count),
      after: maybe(fc.string()),
      before: maybe(fc.string()),
    });
    fc.assert(
      fc.property(args, (connectionArgs) => {
        let request: PageRequest;
        try {
          request = parseConnectionArgs(connectionArgs);
        } catch (error) {
          expect(error).toBeInstanceOf(BadUserInputError);
          return;
        }
        expect(Number.isInteger(request.count)).toBe(true);
        expect(request.count).toBeGreaterThanOrEqual(0);
        expect(request.count).toBeLessThanOrEqual(100);
        if (request.direction === 'forward') {
          expect(connectionArgs.last ?? null).toBeNull();
          expect(connectionArgs.before ?? null).toBeNull();
          expect(request.after).toBe(connectionArgs.after ?? null);
        } else {
          expect(connectionArgs.first ?? null).toBeNull();
          expect(connectionArgs.after ?? null).toBeNull();
          expect(request.before).toBe(connectionArgs.before ?? null);
        }
      }),
    );
  });
});
