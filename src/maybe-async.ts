/**
 * A value now, or later. The embedded store and presence answer reads at once; MongoDB and Redis answer
 * later. A read that is there at once is used at once: awaiting it would cost a promise and a turn of the
 * microtask queue on every request for nothing (about a tenth of a getRoom's CPU on the embedded store).
 */
export type MaybeAsync<T> = T | Promise<T>;

/** `next` of the value: at once if it is there, once it is if it is a promise. */
export function andThen<T, U>(value: MaybeAsync<T>, next: (value: T) => MaybeAsync<U>): MaybeAsync<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** All of the values, at once if every one is there. */
export function allOf<T>(values: MaybeAsync<T>[]): MaybeAsync<T[]> {
  return values.some((value) => value instanceof Promise) ? Promise.all(values) : (values as T[]);
}
