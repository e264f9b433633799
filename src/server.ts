import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createChitChat, type ChitChat, type ChitChatOptions } from './chitchat.js';
import type { Config } from './config.js';
import type { ErrorCode } from './contract/document.js';
import { errorResponseText } from './contract/error-body.js';
import { ApiError } from './errors.js';
import { capConnectionsPerAddress } from './http/connection-cap.js';
import { belowBasePath, declineUpgrade } from './http/mount.js';
import { replyError } from './http/reply.js';
import { createLogger } from './logger.js';

export interface RunningServer {
  url: string;
  /** Resolves once the store answers and the default room exists. */
  ready: Promise<void>;
  port: number;
  server: Server;
  chitchat: ChitChat;
  close(): Promise<void>;
}

/** Node rejects some malformed requests before any handler runs; those it can name still get the JSON error body. */
const CLIENT_ERROR_CODES: Record<string, ErrorCode> = { HPE_HEADER_OVERFLOW: 606, ERR_HTTP_REQUEST_TIMEOUT: 607 };

/**
 * WriteTimeout: a socket whose response has not all been handed to the kernel when the request listener
 * returns (its client stopped reading, or the answer waits on a body or a store) is cut once nothing has
 * moved on it either way for that long. A response written at once, as the embedded store's reads are,
 * never needs the timer, and arming it costs two timer operations and a refresh on every read and write
 * of the socket. Nor does a socket upgraded to the chat, which never serves a request. Before its first
 * request a silent socket is cut by the read timeout (`headersTimeout`), and between requests by Node's
 * `keepAliveTimeout`, which also replaces this timer once the response has finished.
 */
function armWriteTimeout(res: ServerResponse, ms: number): void {
  if (ms > 0 && !res.writableFinished && res.req.socket.timeout !== ms) res.req.socket.setTimeout(ms);
}

/**
 * The standalone server: the chat service on a node:http server of its own, with ChitChat's timeouts
 * (config.json), listening on config.host:config.port. No framework sits in the request path.
 */
export async function listen(config: Config, options: ChitChatOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const chitchat = await createChitChat(config, { ...options, logger });
  const { contract } = chitchat;
  const handler = belowBasePath(config.basePath, chitchat.handler, contract);
  // Node checks the read timeout every connectionsCheckingInterval (30 s by default): once a second, a
  // slow request is cut within a second of READ_TIMEOUT, not up to 30 s after it.
  // A connection over the per-address cap is answered 429 and closed; what Node parsed on it is not run.
  let refused: (socket: Socket) => boolean = () => false;
  const writeTimeoutMs = config.writeTimeoutSeconds * 1000;
  const server = createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
    if (refused(req.socket)) return void req.socket.destroy();
    handler(req, res);
    armWriteTimeout(res, writeTimeoutMs);
  });
  refused = capConnectionsPerAddress(server, config.maxConnectionsPerAddress, config.trustProxy, errorResponseText(contract, new ApiError(605), { 'Retry-After': '1' }));
  server.on('upgrade', (req, socket, head) => {
    if (refused(socket as Socket)) return void socket.destroy();
    if (req.headers.upgrade?.toLowerCase() === 'websocket') {
      if (chitchat.handleUpgrade(req, socket, head)) return;
      // Nobody else listens here: an upgrade that is not to the chat channel is refused as an unknown path.
      socket.on('error', () => socket.destroy());
      socket.end(errorResponseText(contract, new ApiError(601)));
      return;
    }
    declineUpgrade(req, socket, head, contract);
  });
  server.requestTimeout = config.readTimeoutSeconds * 1000;
  server.headersTimeout = Math.min(server.headersTimeout, server.requestTimeout);
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const code = err.code ? CLIENT_ERROR_CODES[err.code] : undefined;
    if (!socket.writable) return socket.destroy();
    // A request still arriving at the read timeout: answered through its response, if it has one, so
    // that the request log says 408 too.
    const res = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
    if (code === 607 && res) {
      // A response already under way cannot be followed by another in its middle: the connection just ends.
      if (res.headersSent) return socket.destroy();
      res.shouldKeepAlive = false;
      res.once('finish', () => socket.destroy());
      return replyError(res, contract, new ApiError(607));
    }
    if (!code) return socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    socket.end(errorResponseText(contract, new ApiError(code)));
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (err) {
    await chitchat.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  logger.info({ host: config.host, port, store: chitchat.engines.kind.store, live: chitchat.engines.kind.live, instance: chitchat.instanceId }, 'listening');

  return {
    url: `http://${host}:${port}`,
    ready: chitchat.ready,
    port,
    server,
    chitchat,
    async close() {
      // No new connections from here on; then the chat says goodbye, and what is left is closed.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await chitchat.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
