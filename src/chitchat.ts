import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Passwords } from './auth/passwords.js';
import { RoomTokens } from './auth/tokens.js';
import { channelPath } from './chat/handshake.js';
import { ChatService } from './chat/service.js';
import { ChatSessions } from './chat/session.js';
import { loadChatContract } from './contract/chat.js';
import { loadContract, type Contract } from './contract/document.js';
import type { Config } from './config.js';
import { openEngines, type EngineOverrides, type Engines } from './engines/index.js';
import { createApp, type RequestListener } from './http/app.js';
import { ClientLimits } from './http/limits.js';
import { createLogger, type Logger } from './logger.js';
import { RoomService } from './rooms/service.js';

export interface ChitChatOptions {
  logger?: Logger;
  /** Milliseconds since the epoch, for room tokens; tests move it instead of waiting. */
  clock?: () => number;
  /** Engines to use instead of those the configuration picks (tests, embedding). */
  engines?: EngineOverrides;
}

/** The chat service, built and not listening: a host server gives it requests and WebSocket upgrades. */
export interface ChitChat {
  /** Node's request listener: the REST API, the documents and the docs pages. */
  handler: RequestListener;
  /**
   * For the host server's 'upgrade' event. An upgrade to the chat channel (below the base path) is
   * claimed, then admitted or refused, and true is returned; any other is left alone for the host's own
   * endpoints, and false is returned.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Resolves once the store and the engines answer and the default room exists. */
  ready: Promise<void>;
  /** Says goodbye to every chat socket (1001), then closes the engines and the store. */
  close(): Promise<void>;
  readonly contract: Contract;
  readonly engines: Engines;
  readonly instanceId: string;
}

/**
 * The composition root: the engines are picked (openEngines), and the rules, HTTP and chat are built on
 * them here and nowhere else. Listening is the host's: `listen` in server.ts for the standalone server.
 */
export async function createChitChat(config: Config, options: ChitChatOptions = {}): Promise<ChitChat> {
  const logger = options.logger ?? createLogger(config.logLevel);
  if (config.usingDevelopmentSecret) {
    logger.warn('SECRET_KEY is not set: using the development secret; tokens can be forged by anyone who reads the source');
  }
  const instanceId = randomUUID();
  const contract = loadContract();
  const [engines, chatContract] = await Promise.all([openEngines(config, logger, options.engines), loadChatContract()]);
  const passwords = new Passwords(config.bcryptCost);
  const tokens = new RoomTokens(config.secretKey, config.tokenTtlSeconds, options.clock);
  const limits = new ClientLimits(config, engines.rateLimiter);
  const rooms = new RoomService({ store: engines.rooms, messages: engines.messages, passwords, presence: engines.presence, events: engines.roomEvents, logger });

  const app = await createApp({
    config,
    logger,
    contract,
    chatContract,
    rooms,
    engines,
    limits,
    passwords,
    tokens,
    instanceId,
    trustProxy: config.trustProxy,
    startedAt: Date.now(),
    basePath: config.basePath,
    chitchatCompat: config.chitchatCompat,
  });
  const service = new ChatService({ messages: engines.messages, presence: engines.presence, broker: engines.broker, logger, gapTimeoutMs: config.chat.gapTimeoutMs, presenceBatchMs: config.chat.presenceBatchMs });
  const sessions = new ChatSessions({
    limits: config.chat,
    contract,
    chat: chatContract,
    rooms,
    tokens,
    service,
    broker: engines.broker,
    roomEvents: engines.roomEvents,
    logger,
    instanceId,
    presenceTtlMs: config.presenceTtlMs,
    chitchatCompat: config.chitchatCompat,
    clientLimits: limits,
  });

  // Once the store and the engines answer: the default room is seeded (tried until it is; requests get
  // 503 meanwhile) and room changes are followed, each on its own, so that neither waits for the other.
  const closing = new AbortController();
  const seeded = (async () => {
    await engines.ready;
    for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
      try {
        return await rooms.seedDefaultRoom();
      } catch (err) {
        if (closing.signal.aborted) throw err;
        logger.warn({ err, retryInMs: delay }, 'could not seed the default room yet; retrying');
        await sleep(delay, undefined, { signal: closing.signal });
      }
    }
  })();
  const ready = Promise.all([seeded, engines.ready.then(() => sessions.start())]).then(() => undefined);
  ready.catch((err: unknown) => {
    if (!closing.signal.aborted) logger.error({ err }, 'could not start: the store or the engines did not become ready');
  });

  let closed: Promise<void> | undefined;
  return {
    handler: app,
    handleUpgrade(req, socket, head) {
      const path = channelPath(req.url, config.basePath);
      if (path === null) return false;
      void sessions.handleUpgrade(req, socket, head, path);
      return true;
    },
    ready,
    contract,
    engines,
    instanceId,
    // One shutdown, however many ask for it at once (a signal, then another; an embedder's own hook).
    close() {
      closed ??= (async () => {
        closing.abort();
        await sessions.close();
        await engines.close();
      })();
      return closed;
    },
  };
}
