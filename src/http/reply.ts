import { STATUS_CODES, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { components } from '../../generated/openapi.js';
import type { Contract } from '../contract/document.js';
import type { ApiError } from '../errors.js';

/** ChitChat's error body for an ApiError, and the HTTP status the spec's catalog gives its code. */
export function errorBody(contract: Contract, error: ApiError): { status: number; body: components['schemas']['ErrorResponse'] } {
  const entry = contract.catalog.get(error.code);
  if (!entry) throw new Error(`error code ${error.code} is not in the spec's catalog`);
  return {
    status: entry.status,
    body: { status: false, error: { code: error.code, error: entry.message, ...(error.field ? { field: error.field } : {}) } },
  };
}

/** A complete response in one write; Node leaves the body out for HEAD. Headers set earlier (Allow, Location) stay. */
export function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer, headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { ...headers, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

export function replyError(res: ServerResponse, contract: Contract, error: ApiError): void {
  const { status, body } = errorBody(contract, error);
  sendJson(res, status, body);
}

/** The same answer written on a bare socket: refused upgrades and requests Node rejects before any handler. */
export function replyErrorOnSocket(socket: Duplex, contract: Contract, error: ApiError, headers: Record<string, string> = {}): void {
  const { status, body } = errorBody(contract, error);
  const text = JSON.stringify(body);
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `${extra}Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}
