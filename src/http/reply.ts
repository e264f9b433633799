import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Contract } from '../contract/document.js';
import { errorBody } from '../contract/error-body.js';
import type { ApiError } from '../errors.js';

export const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * A complete response in one write; Node leaves the body out for HEAD. Headers set earlier (Allow) stay, but
 * a response's own go in `headers`: given to writeHead alone, they take Node's fast path, where one set
 * before it sends each of them through setHeader again (about 2 µs of a createRoom under load).
 */
export function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer, headers?: OutgoingHttpHeaders): void {
  // The length as text: Node checks every header value with a RegExp, whose test of a number takes
  // V8's slow path (about 250 instructions more a response).
  const head: OutgoingHttpHeaders = { 'Content-Type': contentType, 'Content-Length': `${Buffer.byteLength(body)}` };
  // The body's own type and length win over the caller's, spelled as here. Copied one by one: Object.assign took V8's
  // runtime (about 850 instructions a createRoom), and a spread is slow on Node 20 for what follows it.
  for (const name in headers) if (head[name] === undefined) head[name] = headers[name];
  res.writeHead(status, head);
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, JSON_TYPE, JSON.stringify(body));
}

export function replyError(res: ServerResponse, contract: Contract, error: ApiError): void {
  const { status, body } = errorBody(contract, error);
  sendJson(res, status, body);
}
