import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Contract } from '../contract/document.js';
import { errorBody } from '../contract/error-body.js';
import type { ApiError } from '../errors.js';

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
