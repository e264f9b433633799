import { STATUS_CODES } from 'node:http';
import type { components } from '../../generated/openapi.js';
import type { ApiError } from '../errors.js';
import type { Contract } from './document.js';

/** ChitChat's error body for an ApiError, and the HTTP status the spec's catalog gives its code. */
export function errorBody(contract: Contract, error: ApiError): { status: number; body: components['schemas']['ErrorResponse'] } {
  const entry = contract.catalog.get(error.code);
  if (!entry) throw new Error(`error code ${error.code} is not in the spec's catalog`);
  return {
    status: entry.status,
    body: { status: false, error: { code: error.code, error: entry.message, ...(error.field ? { field: error.field } : {}) } },
  };
}

/**
 * The same answer as a whole HTTP/1.1 response, for a bare socket that has no ServerResponse: refused
 * WebSocket upgrades and requests Node rejects before any handler runs.
 */
export function errorResponseText(contract: Contract, error: ApiError, headers: Record<string, string> = {}): string {
  const { status, body } = errorBody(contract, error);
  const text = JSON.stringify(body);
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `${extra}Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`
  );
}
