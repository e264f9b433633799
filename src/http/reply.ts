import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Contract } from '../contract/document.js';
import { errorBody } from '../contract/error-body.js';
import type { ApiError } from '../errors.js';

export const JSON_TYPE = 'application/json; charset=utf-8';

/** A complete response in one write; Node leaves the body out for HEAD. Headers set earlier (Allow, Location) stay. */
export function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer, headers?: OutgoingHttpHeaders): void {
  const length = Buffer.byteLength(body);
  res.writeHead(status, headers ? { ...headers, 'Content-Type': contentType, 'Content-Length': length } : { 'Content-Type': contentType, 'Content-Length': length });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, JSON_TYPE, JSON.stringify(body));
}

export function replyError(res: ServerResponse, contract: Contract, error: ApiError): void {
  const { status, body } = errorBody(contract, error);
  sendJson(res, status, body);
}
