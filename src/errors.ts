import type { ErrorCode } from './contract/document.js';

export type { ErrorCode };

/** A failure the client is told about: a code from the spec's catalog and the input it concerns. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(`error ${code}${field ? ` on ${field}` : ''}`, options);
    this.name = 'ApiError';
  }
}

/** A backing service (the database, or Redis for shared live state) does not answer; answered with code 701. */
export class StoreUnavailableError extends Error {
  constructor(cause?: unknown) {
    super('store unavailable', { cause });
    this.name = 'StoreUnavailableError';
  }
}

/**
 * The one mapping of failures to what a client is told, for REST, upgrades and chat frames alike: an
 * ApiError as it is, an unavailable store as 701, anything else (a bug) as 702. `unexpected` is true for
 * the last, which deserves an error log; the others are the client's or the infrastructure's.
 */
export function failureOf(err: unknown): { error: ApiError; unexpected: boolean } {
  if (err instanceof ApiError) return { error: err, unexpected: false };
  if (err instanceof StoreUnavailableError) return { error: new ApiError(701), unexpected: false };
  return { error: new ApiError(702), unexpected: true };
}
