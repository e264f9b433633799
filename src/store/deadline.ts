import { StoreUnavailableError } from '../errors.js';
import { isThenable } from '../maybe-async.js';

/** Thrown when a store operation outlives its deadline; a StoreUnavailableError, so answered 701/503. */
export class StoreTimeoutError extends StoreUnavailableError {
  constructor(readonly operation: string, readonly ms: number) {
    super(new Error(`${operation} took longer than ${ms} ms`));
    this.name = 'StoreTimeoutError';
  }
}

interface Pending {
  /** performance.now() at the deadline: monotonic, as timers are, so that a step of the wall clock changes nothing. */
  at: number;
  operation: string;
  /** Until the operation settles; dropped then, so that the queue does not keep its result alive until the sweep. */
  reject: ((err: unknown) => void) | null;
}

/**
 * The operations under way, oldest first. Every deadline is as long, so they expire in the order they
 * began: one timer, armed for the oldest, serves them all, where a timer of each operation's own cost
 * about a tenth of a getRoom's CPU.
 */
class Deadlines {
  private readonly queue: Pending[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {}

  track<T>(result: PromiseLike<T>, operation: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { at: performance.now() + this.ms, operation, reject };
      this.queue.push(pending);
      this.arm(this.ms);
      // A late outcome of a timed-out operation is dropped here, not left as an unhandled rejection.
      result.then(
        (value) => {
          pending.reject = null;
          resolve(value);
        },
        (err: unknown) => {
          pending.reject = null;
          reject(err);
        },
      );
    });
  }

  /** The one timer; it does not keep the process alive by itself (the operations' own I/O does). */
  private arm(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.expire(), ms);
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.head < this.queue.length) {
      const pending = this.queue[this.head]!;
      if (pending.reject && pending.at > now) break;
      this.head++;
      const { reject } = pending;
      if (reject) {
        pending.reject = null;
        reject(new StoreTimeoutError(pending.operation, this.ms));
      }
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      return;
    }
    if (this.head > 1024) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.arm(Math.max(1, Math.ceil(this.queue[this.head]!.at - now)));
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
  const deadlines = new Deadlines(ms);
  // Each method wrapped once (by the function, so that one replaced on the store is wrapped anew).
  const methods = new WeakMap<object, unknown>();
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function' || key === 'constructor') return value;
      let method = methods.get(value);
      if (method) return method;
      // Closing, and rekeying every title once at start, are not a request's work: they take what they take.
      // Still called on the store itself, not on this proxy, which would wrap the store's own fields too.
      if (key === 'close' || key === 'rekeyTitles') method = (value as (...a: unknown[]) => unknown).bind(target);
      else {
        method = (...args: unknown[]) => {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          return isThenable(result) ? deadlines.track(result, String(key)) : result;
        };
      }
      methods.set(value, method);
      return method;
    },
  });
}
