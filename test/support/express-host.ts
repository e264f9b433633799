import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import cors from 'cors';
import express from 'express';
import { WebSocketServer } from 'ws';
import type { ChitChatOptions } from '../../src/chitchat.js';
import type { Config } from '../../src/config.js';
import { createChitChatExpress } from '../../src/express.js';
import type { RunningServer } from '../../src/server.js';

/** Where the host app mounts the chat service when the suites run with TEST_HOST=express. */
export const MOUNT = '/chat';

/**
 * TEST_HOST=express (`make test-express`): the suites' servers are express apps of their own with the
 * service mounted under MOUNT, instead of the standalone server.
 */
export const onExpressHost = () => process.env.TEST_HOST === 'express';

/** A request path as openapi.yaml names it: below the mount on the express host. */
export const apiPathOf = (pathname: string) => (onExpressHost() && pathname.startsWith(`${MOUNT}/`) ? pathname.slice(MOUNT.length) : pathname);

/**
 * An express app of its own, as a user's would be (cors, a JSON body parser, routes, a WebSocket
 * endpoint and a 404 of its own), with the chat service mounted at config.basePath, as the README shows.
 */
export async function listenExpressHost(config: Config, options: ChitChatOptions = {}): Promise<RunningServer> {
  const chat = await createChitChatExpress(config, options);
  const app = express();
  app.use(cors());
  app.use(config.basePath, chat.middleware);
  app.use(express.json());
  app.get('/hello', (_req, res) => void res.json({ hello: 'from the host' }));
  app.post('/echo', (req, res) => void res.json({ echoed: req.body as unknown }));
  // Below the mount, but not a path of the API: the host's, body and all.
  app.post(`${config.basePath}/notes`, (req, res) => void res.status(201).json({ noted: req.body as unknown }));
  app.use((_req, res) => void res.status(404).json({ host: 'not found' }));

  const server = createServer(app);
  const echo = new WebSocketServer({ noServer: true });
  echo.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
  // An app with a WebSocket endpoint of its own routes every upgrade in one listener (README).
  server.on('upgrade', (req, socket, head) => {
    if (req.url === '/echo') echo.handleUpgrade(req, socket, head, (ws) => echo.emit('connection', ws, req));
    else if (!chat.handleUpgrade(req, socket, head)) socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${config.host}:${port}${config.basePath}`,
    ready: chat.ready,
    port,
    server,
    chitchat: chat.chitchat,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const ws of echo.clients) ws.terminate();
      await chat.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
