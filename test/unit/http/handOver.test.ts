import { describe, expect, it } from 'vitest';
import { envelopeOf, letGo, SharedAnswer, takeBody } from '../../../src/http/handOver.js';

function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('envelopes', () => {
  it('a copy per caller; taking the body empties only that copy', () => {
    const shared = { found: true as const, body: { a: 1 }, size: 7 };
    const mine = envelopeOf(shared);
    expect(mine).not.toBe(shared);
    expect(takeBody(mine)).toBe(shared.body);
    expect(mine.body).toBeUndefined();
    expect(shared.body).toEqual({ a: 1 });
    const notFound = { found: false as const };
    expect(envelopeOf(notFound)).toBe(notFound);
    letGo(notFound);
    expect(notFound).toEqual({ found: false });
  });
});

describe('SharedAnswer', () => {
  it('releases once, after the last of several callers has taken its copy', async () => {
    const answer = deferred<{ body: string }>();
    const released: string[] = [];
    const shared = new SharedAnswer(answer.promise, (value) => released.push(value.body));
    const callers = [1, 2, 3].map(() =>
      shared.join(
        (a) => a,
        (value) => ({ ...value }),
      ),
    );
    await settle();
    expect(released).toEqual([]);
    answer.resolve({ body: 'page' });
    expect(await Promise.all(callers)).toEqual([{ body: 'page' }, { body: 'page' }, { body: 'page' }]);
    await settle();
    expect(released).toEqual(['page']);
  });

  it('when every caller gave up first, releases when the answer lands; a caller joining meanwhile keeps it', async () => {
    const answer = deferred<string>();
    const released: string[] = [];
    const shared = new SharedAnswer(answer.promise, (value) => released.push(value));
    const giveUp = new AbortController();
    const quitter = shared.join(
      (a) =>
        new Promise<string>((resolve, reject) => {
          giveUp.signal.addEventListener('abort', () => reject(new Error('gave up')));
          a.then(resolve, reject);
        }),
      (value) => value,
    );
    giveUp.abort();
    await expect(quitter).rejects.toThrow('gave up');
    let takenWhileHeld: string | undefined;
    const late = shared.join(
      (a) => a,
      (value) => {
        takenWhileHeld = released.length === 0 ? value : 'released too early';
        return value;
      },
    );
    answer.resolve('page');
    await late;
    await settle();
    expect(takenWhileHeld).toBe('page');
    expect(released).toEqual(['page']);
  });

  it('a failed answer releases nothing and fails every caller', async () => {
    const answer = deferred<string>();
    const released: string[] = [];
    const shared = new SharedAnswer(answer.promise, (value) => released.push(value));
    const callers = [1, 2].map(() =>
      shared.join(
        (a) => a,
        (value) => value,
      ),
    );
    answer.reject(new Error('down'));
    for (const caller of callers) await expect(caller).rejects.toThrow('down');
    await settle();
    expect(released).toEqual([]);
  });
});
