import fc from 'fast-check';
import { expect } from 'vitest';
import type { Campaign, Provider } from '../../../src/domain/campaign.js';
import { UpstreamError } from '../../../src/errors.js';
import { at, campaign, type FakeStore, oracleRead, type StreamWalker } from './fakes.js';

export type Change =
  | { kind: 'createAtHead'; count: number }
  | { kind: 'createAtTail'; count: number }
  | { kind: 'delete'; pick: number }
  | { kind: 'tie'; pick: number };

export interface WalkStep {
  op: 'next' | 'previous';
  count: number;
  /** Which edge of the last page the read starts from, as a fraction of its length. */
  edge: number;
  changes: Change[];
}

export const changeArbitrary: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('createAtHead' as const), count: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant('createAtTail' as const), count: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('tie' as const), pick: fc.nat() }),
);

const stepArbitrary: fc.Arbitrary<WalkStep> = fc.record({
  op: fc.constantFrom('next' as const, 'previous' as const),
  count: fc.integer({ min: 1, max: 12 }),
  edge: fc.double({ min: 0, max: 1, noNaN: true }),
  changes: fc.array(changeArbitrary, { maxLength: 3 }),
});

/** Applies `change` to a one-provider store; new ids come from `nextId`. */
export function applyChange(
  store: FakeStore,
  provider: Provider,
  change: Change,
  nextId: () => string,
): void {
  const all = store.all();
  const picked =
    all[change.kind === 'delete' || change.kind === 'tie' ? change.pick % Math.max(1, all.length) : 0];
  switch (change.kind) {
    case 'createAtHead': {
      const top = all[0]?.createdAt.getTime() ?? at(0);
      for (let made = 1; made <= change.count; made++)
        store.add(campaign(provider, nextId(), top + 1000 * made));
      return;
    }
    case 'createAtTail': {
      const bottom = all[all.length - 1]?.createdAt.getTime() ?? at(0);
      for (let made = 1; made <= change.count; made++)
        store.add(campaign(provider, nextId(), bottom - 1000 * made));
      return;
    }
    case 'delete':
      if (picked !== undefined) store.delete(provider, picked.providerId);
      return;
    case 'tie':
      if (picked !== undefined) store.add(campaign(provider, nextId(), picked.createdAt.getTime()));
      return;
  }
}

/**
 * Random walks (forward, backward, zigzag, from any edge of the last page) over a random list that changes
 * between pages. Every read must be exactly what the list held beyond its boundary at that moment: the first
 * (forward) or last (backward) `count` campaigns, and `more` in the read's direction must say whether more lie
 * beyond them. A page after no change costs at most 2 calls.
 */
export function walkProperty(
  /** one-way: every page continues in the first page's direction; zigzag: each step picks its own. */
  mode: 'one-way' | 'zigzag',
  /** any: page on from a random edge of the last page (what a merge of several streams does); last: its end. */
  edges: 'any' | 'last',
  provider: Provider,
  makeId: (index: number) => string,
  setup: (dataset: Campaign[]) => { store: FakeStore; walker: StreamWalker },
): fc.IAsyncProperty<[number[], boolean, number, WalkStep[]]> {
  return fc.asyncProperty(
    fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 40 }),
    fc.boolean(),
    fc.integer({ min: 1, max: 12 }),
    fc.array(stepArbitrary, { minLength: 1, maxLength: 12 }),
    async (seconds, fromStart, firstCount, steps) => {
      const { store, walker } = setup(
        seconds.map((second, index) => campaign(provider, makeId(index), at(second))),
      );
      let fresh = seconds.length;
      const nextId = () => makeId(fresh++);
      const check = (
        page: Awaited<ReturnType<StreamWalker['next']>>,
        count: number,
        direction: 'forward' | 'backward',
        changed: boolean,
      ) => {
        const expected = oracleRead(store.all(), walker.boundary, count, direction);
        expect(page.ids).toEqual(expected.ids);
        expect(page.more).toBe(expected.more);
        if (!changed) expect(page.calls).toBeLessThanOrEqual(2);
      };
      let page = fromStart ? await walker.first(firstCount) : await walker.last(firstCount);
      check(page, firstCount, fromStart ? 'forward' : 'backward', false);
      for (const step of steps) {
        if (page.ids.length === 0) break;
        for (const change of step.changes) applyChange(store, provider, change, nextId);
        const op = mode === 'zigzag' ? step.op : fromStart ? 'next' : 'previous';
        const last = op === 'next' ? page.ids.length - 1 : 0;
        const edge = edges === 'last' ? last : Math.floor(step.edge * (page.ids.length - 1));
        try {
          page = await walker[op](step.count, edge);
        } catch (error) {
          // A list that moved too far between two pages may be reported (the client asks again), never
          // misread; with no change since the last page there is no excuse.
          if (!(error instanceof UpstreamError) || step.changes.length === 0) throw error;
          break;
        }
        check(page, step.count, op === 'next' ? 'forward' : 'backward', step.changes.length > 0);
      }
    },
  );
}
