import type { BodyChunks } from './responseBody.js';

/**
 * How an upstream answer is handed from layer to layer without the layers keeping it.
 *
 * Every promise and request object made before an upstream call waits as long as the call, and under load
 * (ten requests in flight, 30-40 ms each) many are promoted to V8's old generation on the way. When the answer
 * lands it is stored in them: the result of each `async` function that returns it, each `then`. Old objects
 * are only found dead by a full collection, so until then the scavenger treats what they point to as live:
 * the parse tree of every page, and the campaigns mapped from it, survived each scavenge and was promoted, a
 * few hundred KB a request. So a shared answer gives each caller an envelope of its own, lets go of its body
 * once the last caller has one (`SharedAnswer`), and the reader empties its envelope as it reads it
 * (`takeBody`). What keeps a body on purpose is a cache entry. BENCHMARKS.md, *What was done*, has the figures.
 */

/** The shape handed over: a found answer's parsed body and, for a cache that stores them, its bytes. */
export interface FoundAnswer {
  found: true;
  body: unknown;
  size?: number;
  raw?: BodyChunks | undefined;
}

/** A caller's own copy of an answer, so that emptying it leaves the other callers' alone. */
export function envelopeOf<T extends { found: boolean }>(answer: T): T {
  return answer.found ? { ...answer } : answer;
}

/** The body, read once: the envelope lets go of it (and of the bytes). */
export function takeBody(answer: FoundAnswer): unknown {
  const { body } = answer;
  letGo(answer);
  return body;
}

/**
 * Empties an envelope that nobody will read again. Only fields it has: giving a lookup's envelope a `raw` it
 * never had cost more than the emptying saved (row (e-co) peaked at 203 MiB against 138 without the write).
 */
export function letGo(answer: { found: boolean; body?: unknown; raw?: BodyChunks | undefined }): void {
  if (!answer.found) return;
  answer.body = undefined;
  if (answer.raw !== undefined) answer.raw = undefined;
}

/**
 * One answer awaited by several callers (identical GETs in flight, one cache fill). Each caller takes its own
 * copy when it resumes; after the last one has left (taken its copy, or given up), `release` runs once the
 * answer is there. A caller joining meanwhile keeps it: the count is read again when release would run.
 */
export class SharedAnswer<T> {
  private waiting = 0;
  private released = false;

  constructor(
    readonly answer: Promise<T>,
    private readonly release: (value: T) => void,
  ) {}

  async join<R>(wait: (answer: Promise<T>) => Promise<T>, take: (value: T) => R): Promise<R> {
    this.waiting++;
    try {
      return take(await wait(this.answer));
    } finally {
      if (--this.waiting === 0) {
        this.answer.then(
          (value) => {
            if (this.waiting > 0 || this.released) return;
            this.released = true;
            this.release(value);
          },
          () => undefined,
        );
      }
    }
  }
}
