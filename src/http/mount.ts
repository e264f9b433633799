import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Contract } from '../contract/document.js';
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

/**
 * An upgrade declined: the request is answered over HTTP/1.1 by `listener`, as if it had asked for no
 * upgrade, and the connection closed after it. Node hands every request with an Upgrade header (curl
 * --http2 offers h2c over http://) to the 'upgrade' listeners once there are any, so whoever listens
 * there must answer what it does not take. A body sent with it is lost: Node stops reading the request
 * at the upgrade (issue #13 has it).
 */
export function declineUpgrade(req: IncomingMessage, socket: Duplex, listener: (req: IncomingMessage, res: ServerResponse) => void): void {
  // Node's own error listener is gone from an upgraded socket: a peer's reset must not end the process.
  socket.on('error', () => socket.destroy());
  const res = new ServerResponse(req);
  res.assignSocket(socket as Socket);
  res.shouldKeepAlive = false;
  res.once('finish', () => socket.end());
  listener(req, res);
}
