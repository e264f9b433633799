import { StoreUnavailableError } from '../errors.js';

/** Thrown when a store operation outlives its deadline; a StoreUnavailableError, so answered 701/503. */
export class StoreTimeoutError extends StoreUnavailableError {
  constructor(readonly operation: string, readonly ms: number) {
    super(new Error(`${operation} took longer than ${ms} ms`));
    this.name = 'StoreTimeoutError';
  }
}

/**
 * The store with a deadline on each of its operations: a stalled database answers 503 (701) after `ms`
 * instead of holding requests and chat frames until the driver gives up. An operation that times out may
 * still complete afterwards (a write cannot be called back), which is what 503 tells the client: retry,
 * and look before assuming it did not happen. `close` and `rekeyTitles` have none.
 */
export function withDeadline<T extends object>(store: T, ms: number): T {
  if (ms <= 0) return store;
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function' || key === 'constructor') return value;
      // Closing, and rekeying every title once at start, are not a request's work: they take what they take.
      // Still called on the store itself, not on this proxy, which would wrap the store's own fields too.
      if (key === 'close' || key === 'rekeyTitles') return (value as (...a: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new StoreTimeoutError(String(key), ms)), ms);
        });
        // The late outcome of a timed-out operation is dropped here, not left as an unhandled rejection.
        result.catch(() => undefined);
        return Promise.race([result, deadline]).finally(() => clearTimeout(timer));
      };
    },
  });
}
