import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createChitChat, type ChitChat, type ChitChatOptions } from './chitchat.js';
import type { Config } from './config.js';
import { declineUpgrade, redirectedToSlash, splitUrl } from './http/mount.js';

/** What express gives a middleware mounted with `app.use(path, …)`: the path below the mount in `url`. */
export type MountedRequest = IncomingMessage & { baseUrl?: string; originalUrl?: string };
export type NextFunction = (err?: unknown) => void;

/** The chat service for an express app (4 or 5): its middleware for `app.use(basePath, …)`, and its WebSocket upgrades. */
export interface ChitChatExpress {
  /**
   * For `app.use(config.basePath, chat.middleware)`: the REST API, the documents, the docs and the chat
   * page. A path the API does not have goes on to `next()` with its body unread.
   */
  middleware(req: MountedRequest, res: ServerResponse, next: NextFunction): void;
  /** Listens for upgrades on the host's server and claims only the chat channel's; others stay the host's. */
  attach(server: Server): void;
  /**
   * For hosts that route upgrades themselves: true when the upgrade was the chat's and is handled (a
   * WebSocket to the chat channel, or another protocol on the API's paths, answered over HTTP/1.1).
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Resolves once the store and the engines answer and the default room exists. */
  ready: Promise<void>;
  /** Detaches from the servers it was attached to, says goodbye to every chat socket, closes the engines. */
  close(): Promise<void>;
  readonly chitchat: ChitChat;
}

/**
 * The express adapter, on the same core as the standalone server (createChitChat). It imports nothing
 * from express: the middleware is connect-style, so express is a peer dependency of this entry only.
 * `config.basePath` is where the host mounts it; the paths it writes (Location, the documents' servers,
 * the pages) and its upgrade paths start with it.
 */
export async function createChitChatExpress(config: Config, options: ChitChatOptions = {}): Promise<ChitChatExpress> {
  const chitchat = await createChitChat(config, options);
  const { basePath } = config;
  const attached = new Map<Server, (req: IncomingMessage, socket: Duplex, head: Buffer) => void>();
  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    if (req.headers.upgrade?.toLowerCase() === 'websocket') return chitchat.handleUpgrade(req, socket, head);
    // Another protocol (curl --http2 offers h2c) on one of the API's paths: declined, and the request
    // goes back to the host's server, and so to its app, as plain HTTP/1.1.
    const { path } = splitUrl(req.url ?? '/');
    if (path !== basePath && !path.startsWith(`${basePath}/`)) return false;
    declineUpgrade(req, socket, head, chitchat.contract);
    return true;
  };

  return {
    chitchat,
    ready: chitchat.ready,
    middleware(req, res, next) {
      // Mounted elsewhere than basePath, every path it writes would lead nowhere: fail loudly, at once.
      // Case aside: express matches mount paths in any case unless told otherwise.
      const mountedAt = req.baseUrl ?? '';
      if (mountedAt.toLowerCase() !== basePath.toLowerCase()) {
        return next(new Error(`chitchat: mounted at "${mountedAt}" but config.basePath is "${basePath}"; use app.use(config.basePath, chat.middleware)`));
      }
      const { path, query } = splitUrl(req.url ?? '/');
      if (basePath && path === '/' && !splitUrl(req.originalUrl ?? '/').path.endsWith('/') && redirectedToSlash(req, res, basePath, query)) return;
      chitchat.handler(req, res, next);
    },
    attach(server) {
      if (attached.has(server)) return;
      const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (handleUpgrade(req, socket, head)) return;
        // Not the chat's: answered over HTTP/1.1 by the host's app, as Node would without upgrade
        // listeners (curl --http2 on its routes, a WebSocket to a path nobody serves), unless the host
        // listens for upgrades too, and then it is the host's to answer.
        if (server.listenerCount('upgrade') === 1) declineUpgrade(req, socket, head, chitchat.contract);
      };
      attached.set(server, onUpgrade);
      server.on('upgrade', onUpgrade);
    },
    handleUpgrade,
    async close() {
      for (const [server, onUpgrade] of attached) server.off('upgrade', onUpgrade);
      attached.clear();
      await chitchat.close();
    },
  };
}
