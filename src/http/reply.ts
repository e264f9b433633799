import type { Response } from 'express';
import type { Contract } from '../contract/document.js';
import type { ApiError } from '../errors.js';

/** Writes an ApiError as ChitChat's error body, with the status the spec's catalog gives its code. */
export function replyError(res: Response, contract: Contract, error: ApiError): void {
  const entry = contract.catalog.get(error.code);
  if (!entry) throw new Error(`error code ${error.code} is not in the spec's catalog`);
  res.status(entry.status).json({
    status: false,
    error: { code: error.code, error: entry.message, ...(error.field ? { field: error.field } : {}) },
  });
}
