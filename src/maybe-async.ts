/**
 * A value now, or later. The embedded store and presence answer reads at once; MongoDB and Redis answer
 * later. A read that is there at once is used at once: awaiting it would cost a promise and a turn of the
 * microtask queue on every request for nothing (about a tenth of a getRoom's CPU on the embedded store).
 */
export type MaybeAsync<T> = T | Promise<T>;

/**
 * Whether a value is to be waited for: any thenable, not only this realm's Promise, since stores and
 * presence may come from an embedder (a mongoose Query, another library's promise).
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** `next` of the value: at once if it is there, once it is if it is to be waited for. */
export function andThen<T, U>(value: MaybeAsync<T>, next: (value: T) => MaybeAsync<U>): MaybeAsync<U> {
  return isThenable(value) ? Promise.resolve(value).then(next) : next(value as T);
}

/** All of the values, at once if every one is there. */
export function allOf<T>(values: MaybeAsync<T>[]): MaybeAsync<T[]> {
  return values.some(isThenable) ? Promise.all(values) : (values as T[]);
}
