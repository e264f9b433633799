import { createServer, ServerResponse, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Passwords } from './auth/passwords.js';
import { RoomTokens } from './auth/tokens.js';
import { InProcessFanout } from './chat/fanout.js';
import { InMemoryPresence } from './chat/presence.js';
import { ChatServer } from './chat/server.js';
import { loadChatContract } from './contract/chat.js';
import type { Config } from './config.js';
import { loadContract, type ErrorCode } from './contract/document.js';
import { createApp } from './http/app.js';
import { replyErrorOnSocket } from './http/reply.js';
import { ApiError } from './errors.js';
import { createLogger, type Logger } from './logger.js';
import { RoomService } from './rooms/service.js';
import { openStores, type RoomStore } from './store/index.js';
import { MemoryMessageStore } from './store/memory-messages.js';

export interface RunningServer {
  url: string;
  /** Resolves once the store answers and the default room exists. */
  ready: Promise<void>;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Node rejects some malformed requests before any handler runs; those it can name still get the JSON error body. */
const CLIENT_ERROR_CODES: Record<string, ErrorCode> = { HPE_HEADER_OVERFLOW: 606 };

export interface ServerOptions {
  logger?: Logger;
  /** A room store adapter to use instead of the one the configuration picks (with in-memory history). */
  store?: RoomStore;
}

/** Wires the stores, the rules, HTTP and chat, and listens. All wiring lives here. */

export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  if (config.usingDevelopmentSecret) {
    logger.warn('SECRET_KEY is not set: using the development secret; tokens can be forged by anyone who reads the source');
  }
  const contract = loadContract();
  const opened = options.store
    ? { rooms: options.store, messages: new MemoryMessageStore(), ready: Promise.resolve() }
    : await openStores(config, logger);
  const { rooms: store, messages } = opened;
  const chatContract = await loadChatContract();
  const presence = new InMemoryPresence();
  const passwords = new Passwords(config.bcryptCost);
  const tokens = new RoomTokens(config.secretKey, config.tokenTtlSeconds);
  const rooms = new RoomService(store, messages, passwords, presence);
  // The default room is seeded once the store answers; until then requests get 503.
  const seeded = opened.ready.then(() => rooms.seedDefaultRoom());
  seeded.catch((err: unknown) => logger.error({ err }, 'could not seed the default room'));
  if (!config.mongodbUri || options.store) await seeded;
  const ready = seeded.then(() => undefined);

  const app = await createApp({ config, logger, contract, chatContract, rooms, store, passwords, tokens, startedAt: Date.now() });
  const chat = new ChatServer({ limits: config.chat, contract, chat: chatContract, rooms, messages, tokens, presence, fanout: new InProcessFanout(), logger });
  const server = createServer(app);
  server.on('upgrade', (req, socket, head) => {
    if (req.headers.upgrade?.toLowerCase() === 'websocket') return void chat.handleUpgrade(req, socket, head);
    // Another protocol (curl --http2 offers h2c over http://): decline it and answer the request over HTTP/1.1.
    const res = new ServerResponse(req);
    res.assignSocket(socket as Socket);
    res.shouldKeepAlive = false;
    res.once('finish', () => socket.end());
    app(req, res);
  });
  server.requestTimeout = config.readTimeoutSeconds * 1000;
  server.headersTimeout = Math.min(server.headersTimeout, server.requestTimeout);
  server.timeout = config.writeTimeoutSeconds * 1000;
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const code = err.code ? CLIENT_ERROR_CODES[err.code] : undefined;
    if (!socket.writable) return socket.destroy();
    if (!code) return socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    replyErrorOnSocket(socket, contract, new ApiError(code));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  logger.info({ host: config.host, port, store: store.kind }, 'listening');

  return {
    url: `http://${host}:${port}`,
    ready,
    port,
    server,
    async close() {
      await chat.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
    },
  };
}
