import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Contract } from '../contract/document.js';
import { errorResponseText } from '../contract/error-body.js';
import { ApiError } from '../errors.js';
import type { RequestListener } from './app.js';
import { replyError } from './reply.js';

/**
 * The service's `/` asked for without its slash (`/chat` for a service at /chat): a GET or HEAD is sent
 * to `/chat/`, where the chat page's relative links resolve below the base path. Returns whether it answered.
 */
export function redirectedToSlash(req: IncomingMessage, res: ServerResponse, basePath: string, query: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  res.writeHead(308, { Location: `${basePath}/${query}`, 'Content-Length': 0 });
  res.end();
  return true;
}

/** The path and the query (with its '?') of a request URL. */
export function splitUrl(url: string): { path: string; query: string } {
  const queryAt = url.indexOf('?');
  return queryAt < 0 ? { path: url, query: '' } : { path: url.slice(0, queryAt), query: url.slice(queryAt) };
}

/**
 * The API on the server's own URL space: at its root, or below BASE_PATH (behind a proxy that forwards
 * the prefix), where the handler sees paths below it and anything outside it is refused.
 */
export function belowBasePath(basePath: string, handler: RequestListener, contract: Contract): RequestListener {
  if (!basePath) return handler;
  return (req, res) => {
    const { path, query } = splitUrl(req.url ?? '/');
    if (path === basePath && redirectedToSlash(req, res, basePath, query)) return;
    if (!path.startsWith(`${basePath}/`)) return replyError(res, contract, new ApiError(601));
    req.url = req.url!.slice(basePath.length);
    handler(req, res);
  };
}

/** The hop-by-hop headers and Connection tokens of an upgrade offer. */
const UPGRADE_OFFER = /^(?:upgrade|http2-settings)$/i;
/** Sockets that have been given back to their server once already (each keeps one error listener of ours). */
const declined = new WeakSet<Duplex>();

/**
 * An upgrade declined: the request goes back to the server it came from as the plain HTTP/1.1 request
 * it would be without its upgrade offer, body and all, and the connection carries on as any other. Node
 * hands every request with an Upgrade header (curl --http2 offers h2c over http://) to the 'upgrade'
 * listeners once there are any, having stopped reading the request at its headers: the headers are
 * written again without the offer, put back in front of what the socket has not delivered yet (`head`,
 * then the rest of the body), and the server parses the whole as a new connection (for TLS, as a new
 * secure connection: the socket is decrypted already). A request with more headers than Node keeps in
 * `rawHeaders` cannot be written again faithfully (a Content-Length past the cut would be lost, and its
 * body read as another request): it is refused with 431 and the connection closed.
 */
export function declineUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, contract: Contract): void {
  // Node's own error listener is gone from an upgraded socket: a peer's reset must not end the process.
  if (!declined.has(socket)) {
    declined.add(socket);
    socket.on('error', () => socket.destroy());
  }
  const server = (socket as Socket & { server?: Server }).server;
  if (!server) return void socket.destroy();
  const { rawHeaders } = req;
  // Node keeps about 1,000 header lines when the server sets no maxHeadersCount; at the limit some may be gone.
  const kept = server.maxHeadersCount ?? 1000;
  if (kept > 0 && rawHeaders.length / 2 >= kept) return void socket.end(errorResponseText(contract, new ApiError(606)));
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    let value = rawHeaders[i + 1]!;
    if (UPGRADE_OFFER.test(name)) continue;
    if (/^connection$/i.test(name)) {
      value = value.split(',').map((token) => token.trim()).filter((token) => token && !UPGRADE_OFFER.test(token)).join(', ');
      if (!value) continue;
    }
    lines.push(`${name}: ${value}`);
  }
  socket.unshift(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), head]));
  server.emit(socket instanceof TLSSocket ? 'secureConnection' : 'connection', socket);
}
