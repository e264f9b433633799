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

/** The store cannot be reached; answered with code 701. */
export class StoreUnavailableError extends Error {
  constructor(cause?: unknown) {
    super('store unavailable', { cause });
    this.name = 'StoreUnavailableError';
  }
}
