import { describe, expect, it } from 'vitest';
import { StoreTimeoutError, withDeadline } from '../../src/store/deadline.js';

/** A store whose operations end when the test says. */
function manual() {
  const waiting = new Map<string, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  const store = {
    kind: 'manual',
    op(name: string): Promise<string> {
      return new Promise((resolve, reject) => waiting.set(name, { resolve, reject }));
    },
    now: () => 'sync',
  };
  return { store, finish: (name: string) => waiting.get(name)!.resolve(name), fail: (name: string) => waiting.get(name)!.reject(new Error(name)) };
}

const outcome = (p: Promise<string>) => p.then((value) => ({ value }), (err: Error) => ({ error: err instanceof StoreTimeoutError ? 'timeout' : err.message }));

describe('withDeadline', () => {
  it('passes results, failures, fields and synchronous methods through', async () => {
    const { store, finish, fail } = manual();
    const timed = withDeadline(store, 1000);
    expect(timed.kind).toBe('manual');
    expect(timed.now()).toBe('sync');
    const a = outcome(timed.op('a'));
    const b = outcome(timed.op('b'));
    finish('a');
    fail('b');
    expect(await a).toEqual({ value: 'a' });
    expect(await b).toEqual({ error: 'b' });
  });

  it('times out each operation that outlives its deadline, in the order they began, and not the ones that ended', async () => {
    const { store, finish } = manual();
    const timed = withDeadline(store, 150);
    const started = Date.now();
    const first = outcome(timed.op('first'));
    await new Promise((r) => setTimeout(r, 60));
    const second = outcome(timed.op('second'));
    const third = outcome(timed.op('third'));
    finish('second');
    const firstOutcome = await first;
    const firstAt = Date.now() - started;
    expect(firstOutcome).toEqual({ error: 'timeout' });
    expect(await second).toEqual({ value: 'second' });
    expect(await third).toEqual({ error: 'timeout' });
    const thirdAt = Date.now() - started;
    expect(firstAt).toBeGreaterThanOrEqual(145);
    // The third began 60 ms after the first: it is not timed out with it, but at its own deadline.
    expect(thirdAt).toBeGreaterThanOrEqual(firstAt + 40);
    // A late answer changes nothing.
    finish('first');
    expect(await first).toEqual({ error: 'timeout' });
    // And the deadlines go on working after the queue emptied.
    const again = outcome(timed.op('again'));
    finish('again');
    expect(await again).toEqual({ value: 'again' });
  });

  it('puts a deadline on an operation that answers with a thenable that is not a Promise (an embedder\'s store)', async () => {
    const store = { op: (): PromiseLike<string> => ({ then: () => undefined as never }), done: (): PromiseLike<string> => ({ then: (ok) => ok!('done') as never }) };
    const timed = withDeadline(store, 50);
    expect(await outcome(Promise.resolve(timed.op()))).toEqual({ error: 'timeout' });
    expect(await outcome(Promise.resolve(timed.done()))).toEqual({ value: 'done' });
  });
});
