import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlturSimulator } from '../../tools/simulators/altur.js';
import { startAlturSimulator } from '../../tools/simulators/altur.js';
import { arr, get, obj } from './helpers.js';

// Few distinct instants, so ties by created_at are the rule rather than the exception.
const datasetArb = fc
  .uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 5000 }), day: fc.integer({ min: 1, max: 6 }) }), {
    selector: (r) => r.id,
    minLength: 0,
    maxLength: 40,
  })
  .map((rows) =>
    rows.map((row) => ({ id: row.id, archived: false, created_at: `2025-03-0${row.day}T12:00:00Z` })),
  );

const moveArb = fc.constantFrom('next', 'previous', 'turnNext', 'turnPrevious');

interface Page {
  start: number;
  end: number;
  nextCursor: string | null;
  previousCursor: string | null;
}

describe('Altur cursor walks (property)', () => {
  let sim: AlturSimulator;
  beforeAll(async () => {
    sim = await startAlturSimulator({ dataset: [], rateLimit: false, drift: 'seed' });
  });
  afterAll(() => sim.close());

  it('every page is exactly the model slice, flags and cursors included', async () => {
    await fc.assert(
      fc.asyncProperty(
        datasetArb,
        fc.integer({ min: 1, max: 7 }),
        fc.boolean(),
        fc.array(moveArb, { maxLength: 12 }),
        async (records, size, fromEnd, moves) => {
          sim.setDataset(records);
          const order = [...records]
            .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id)
            .map((r) => r.id);
          const fetchPage = async (
            cursor: string | null,
            direction: 'next' | 'previous',
            start: number,
            end: number,
          ): Promise<Page> => {
            const query: Record<string, string> = { pageSize: String(size), direction };
            if (cursor !== null) query.cursor = cursor;
            const response = await get(`${sim.url}/campaigns`, `api-key ${sim.apiKey}`, query);
            expect(response.status).toBe(200);
            const body = obj(response.json);
            const pagination = obj(body.pagination);
            expect(arr(body.campaigns).map((item) => obj(item).id)).toEqual(order.slice(start, end));
            expect(pagination.has_more).toBe(end < order.length);
            expect(pagination.has_previous).toBe(start > 0);
            expect(pagination.next_cursor === null).toBe(end >= order.length);
            expect(pagination.previous_cursor === null).toBe(start <= 0);
            const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
            return {
              start,
              end,
              nextCursor: text(pagination.next_cursor),
              previousCursor: text(pagination.previous_cursor),
            };
          };
          const n = order.length;
          let page = fromEnd
            ? await fetchPage(null, 'previous', Math.max(0, n - size), n)
            : await fetchPage(null, 'next', 0, Math.min(n, size));
          for (const move of moves) {
            if ((move === 'next' || move === 'turnPrevious') && page.nextCursor !== null) {
              const at = page.end;
              page =
                move === 'next'
                  ? await fetchPage(page.nextCursor, 'next', at, Math.min(n, at + size))
                  : await fetchPage(page.nextCursor, 'previous', Math.max(0, at - size), at);
            } else if ((move === 'previous' || move === 'turnNext') && page.previousCursor !== null) {
              const at = page.start;
              page =
                move === 'previous'
                  ? await fetchPage(page.previousCursor, 'previous', Math.max(0, at - size), at)
                  : await fetchPage(page.previousCursor, 'next', at, Math.min(n, at + size));
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
