import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import type { RateLimiterOptions } from '../engines/index.js';
import { ApiError } from '../errors.js';

/** 605 with the seconds until the client may try again (Retry-After). */
export class RateLimitedError extends ApiError {
  constructor(readonly retryAfterSeconds: number) {
    super(605);
  }
}

const refusal = (err: unknown): RateLimitedError => {
  if (!(err instanceof RateLimiterRes)) throw err;
  return new RateLimitedError(Math.ceil(err.msBeforeNext / 1000));
};

/** Who sent a request: the socket's peer, or the client X-Forwarded-For names when a proxy TRUST_PROXY lists sent it. */
export function clientAddress(trustProxy: string[]): (req: IncomingMessage) => string {
  const trusted = trustProxy.length ? proxyaddr.compile(trustProxy) : null;
  return (req) => (trusted ? proxyaddr(req, trusted) : (req.socket.remoteAddress ?? ''));
}

/**
 * The limits on what one client may ask of the service, counted in the engines' limiter store, so that
 * several instances give one limit per client:
 * - requests per client address, on /chats and its WebSocket upgrades alike;
 * - password attempts per room, so that guessing one room's password cannot slow the logins of others.
 */
export class ClientLimits {
  private readonly requests: RateLimiterAbstract | null;
  private readonly tokenAttempts: RateLimiterAbstract | null;
  readonly addressOf: (req: IncomingMessage) => string;

  constructor(config: Config, rateLimiter: (options: RateLimiterOptions) => RateLimiterAbstract) {
    this.addressOf = clientAddress(config.trustProxy);
    this.requests =
      config.rateLimit > 0 ? rateLimiter({ name: 'rest', points: config.rateLimit, durationSeconds: config.rateLimitWindowMs / 1000 }) : null;
    this.tokenAttempts = config.tokenAttemptsPerRoom > 0 ? rateLimiter({ name: 'token-room', points: config.tokenAttemptsPerRoom, durationSeconds: 60 }) : null;
  }

  /**
   * One request (REST on /chats, or a WebSocket upgrade) of the client that sent `req`; RateLimitedError
   * past the limit. Nothing to wait for (undefined) when there is no limit.
   */
  request(req: IncomingMessage): Promise<void> | undefined {
    if (!this.requests) return undefined;
    return this.requests.consume(this.addressOf(req)).then(
      () => undefined,
      (err: unknown) => {
        throw refusal(err);
      },
    );
  }

  /**
   * Checks a password for a room within its attempts: each takes a point before the (costly) hash
   * comparison, so that a burst of guesses cannot queue more comparisons than the allowance, and a right
   * one gives it back, so that only wrong guesses use the room's allowance up. Once it is used up, attempts
   * are refused without taking more, so that the room opens again when its window ends.
   */
  async passwordAttempt(roomId: number, check: () => Promise<boolean>): Promise<boolean> {
    if (!this.tokenAttempts) return check();
    const key = String(roomId);
    const state = await this.tokenAttempts.get(key);
    if (state && state.remainingPoints <= 0) throw refusal(state);
    await this.tokenAttempts.consume(key).catch((err: unknown) => {
      throw refusal(err);
    });
    const right = await check();
    if (right) await this.tokenAttempts.reward(key, 1).catch(() => undefined);
    return right;
  }
}
