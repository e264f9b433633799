import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest, type Server as HttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseQuerystring } from 'node:querystring';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parse } from 'yaml';
import { loadConfig, type Config } from '../../src/config.js';
import { createChitChatExpress } from '../../src/express.js';
import type { RunningServer } from '../../src/server.js';
import { refusedUpgrade, TestSocket, wsUrl } from '../support/chat.js';
import { listenExpressHost } from '../support/express-host.js';
import { startTestServer, TEST_SECRET, type TestServer } from '../support/server.js';

const configAt = (basePath: string): Config =>
  loadConfig({ SECRET_KEY: TEST_SECRET }, { host: '127.0.0.1', port: 0, bcryptCost: 4, rateLimit: 0, logLevel: 'silent', mongodbUri: undefined, redisUrl: undefined, basePath });

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

/** A raw request with an Upgrade header: the status line's code, or 0 when the connection closes without one. */
function upgradeRequest(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    // The HTTPS host's certificate is one of its own, made for the run.
    const req = request(url, { headers, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`no answer to the upgrade of ${url}`)));
    req.end();
  });
}

const H2C = { connection: 'Upgrade, HTTP2-Settings', upgrade: 'h2c', 'http2-settings': 'AAMAAABkAARAAAAAAAIAAAAA' };
const WEBSOCKET = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' };

/** Upgrade requests reset by the client as soon as they are sent, many times; the server must live on. */
async function resetUpgrades(port: number, path: string, headers: Record<string, string>, times = 30): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < times; i++) {
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
        socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines}\r\n`);
        setImmediate(() => {
          socket.resetAndDestroy();
          resolve();
        });
      });
      socket.on('error', () => resolve());
    });
  }
}

/** An express app with the chat mounted at /chat beside a route of its own (/hello), on a server the chat is attached to. */
interface AttachedHost<S extends Server | HttpsServer> {
  server: S;
  origin: string;
  close(): Promise<void>;
}

async function attachedExpressHost<S extends Server | HttpsServer>(serve: (app: express.Express) => S, scheme: 'http' | 'https'): Promise<AttachedHost<S>> {
  const chat = await createChitChatExpress(configAt('/chat'), { logger: pino({ level: 'silent' }) });
  const app = express();
  app.use('/chat', chat.middleware);
  app.get('/hello', (_req, res) => void res.json({ hello: 'app' }));
  const server = serve(app);
  chat.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await chat.ready;
  return {
    server,
    origin: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await chat.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A WebSocket's first text message, as text. */
function firstMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data) => resolve(data.toString()));
    ws.once('error', reject);
  });
}

describe('the service mounted at /chat in an express app (createChitChatExpress)', () => {
  let host: RunningServer;
  let origin: string;
  beforeAll(async () => {
    host = await listenExpressHost(configAt('/chat'), { logger: pino({ level: 'silent' }) });
    await host.ready;
    origin = `http://127.0.0.1:${host.port}`;
  });
  afterAll(() => host.close());

  it("leaves the host's routes, body parser and 404 as they were", async () => {
    expect(await (await fetch(`${origin}/hello`)).json()).toEqual({ hello: 'from the host' });
    expect(await (await post(`${origin}/echo`, { a: 1 })).json()).toEqual({ echoed: { a: 1 } });
    const missing = await fetch(`${origin}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ host: 'not found' });
  });

  it('passes a path the API does not have on to the host, its body unread', async () => {
    const noted = await post(`${origin}/chat/notes`, { text: 'kept' });
    expect(noted.status).toBe(201);
    expect(await noted.json()).toEqual({ noted: { text: 'kept' } });
    for (const path of ['/chat/nope', '/chat/chats/1/nope', '/chat/chats/1/token/renew/extra']) {
      const response = await fetch(`${origin}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.json(), path).toEqual({ host: 'not found' });
    }
  });

  it("answers the API's own paths with the API's errors, the host's middleware (cors) applied", async () => {
    const room = await fetch(`${origin}/chat/chats/1`, { headers: { origin: 'http://elsewhere.example' } });
    expect(room.status).toBe(200);
    expect(room.headers.get('access-control-allow-origin')).toBe('*');
    expect(await room.json()).toMatchObject({ id: 1, title: 'Public Chat' });
    const wrongMethod = await fetch(`${origin}/chat/chats/1`, { method: 'PATCH' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, PUT, DELETE');
    const unknownRoom = await fetch(`${origin}/chat/chats/No%20such%20room`);
    expect(unknownRoom.status).toBe(404);
    expect(await unknownRoom.json()).toMatchObject({ error: { code: 101 } });
  });

  it('writes the mount into Location, the documents and the pages', async () => {
    const created = await post(`${origin}/chat/chats`, { title: 'Mounted room', visibility: 'public' });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: number };
    expect(created.headers.get('location')).toBe(`/chat/chats/${id}`);
    expect((await fetch(`${origin}${created.headers.get('location')}`)).status).toBe(200);

    const openapi = parse(await (await fetch(`${origin}/chat/openapi.yaml`)).text()) as { servers: { url: string }[]; externalDocs: { url: string } };
    expect(openapi.servers[0]!.url).toBe(`${origin}/chat`);
    expect(openapi.externalDocs.url).toBe(`${origin}/chat/asyncapi.yaml`);
    const asyncapi = parse(await (await fetch(`${origin}/chat/asyncapi.yaml`)).text()) as { servers: { local: { host: string; pathname: string } } };
    expect(asyncapi.servers.local).toMatchObject({ host: `127.0.0.1:${host.port}`, pathname: '/chat' });

    const docs = await (await fetch(`${origin}/chat/docs`)).text();
    expect(docs).toContain('<redoc spec-url="/chat/openapi.yaml">');
    expect((await fetch(`${origin}/chat/docs/assets/redoc.standalone.js`)).status).toBe(200);
  });

  it('sends /chat to /chat/, where the chat page loads its assets below the mount', async () => {
    const bare = await fetch(`${origin}/chat?x=1`, { redirect: 'manual' });
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/chat/?x=1');
    const page = await (await fetch(`${origin}/chat/`)).text();
    const assets = [...page.matchAll(/(?:src|href)="(\.\/app\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) expect((await fetch(new URL(asset, `${origin}/chat/`))).status, asset).toBe(200);
    expect(page).toContain('href="docs"');
  });

  it("claims only the chat's upgrades: the host's WebSocket endpoint works beside it", async () => {
    const echo = new WebSocket(`ws://127.0.0.1:${host.port}/echo`);
    await new Promise((resolve, reject) => echo.once('open', resolve).once('error', reject));
    const chat = await TestSocket.open(wsUrl(`${origin}/chat`, 1));
    try {
      const echoed = firstMessage(echo);
      echo.send('hello host');
      expect(await echoed).toBe('hello host');
      chat.send({ event_type: 'join', name: 'mounted' });
      expect(await chat.next((e) => e.event_type === 'join')).toMatchObject({ event_type: 'join', name: 'mounted', room_id: 1 });
      expect(await refusedUpgrade(wsUrl(`${origin}/chat`, 'No such room'))).toMatchObject({ status: 404, body: { error: { code: 101 } } });
    } finally {
      echo.close();
      chat.ws.close();
    }
  });

  it('serves its paths in any case, as express routes the mount', async () => {
    const room = await fetch(`${origin}/CHAT/chats/1`);
    expect(room.status).toBe(200);
    expect(await room.json()).toMatchObject({ id: 1 });
  });

  it('answers an h2c upgrade on its paths over HTTP/1.1, and lives on when such upgrades are reset', async () => {
    expect(await upgradeRequest(`${origin}/chat/chats/1`, H2C)).toBe(200);
    await resetUpgrades(host.port, '/chat/chats/1', H2C);
    expect((await fetch(`${origin}/chat/health`)).status).toBe(200);
  });

  /** Runs `use` against the API mounted at /chat in an express app whose `parsers` read bodies ahead of the mount. */
  async function behindHostParsers(parsers: express.RequestHandler[], use: (chats: string) => Promise<void>): Promise<void> {
    const chat = await createChitChatExpress(configAt('/chat'), { logger: pino({ level: 'silent' }) });
    const app = express();
    app.use(...parsers);
    app.use('/chat', chat.middleware);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      await chat.ready;
      await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}/chat/chats`);
    } finally {
      await chat.close();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it("takes a body the host's own JSON parser read before the mount as the host read it", () =>
    behindHostParsers([express.json()], async (chats) => {
      const created = await post(chats, { title: 'Parsed by the host', visibility: 'public' });
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({ title: 'Parsed by the host' });
      const invalid = await post(chats, { title: 'x', visibility: 'public' });
      expect(invalid.status).toBe(400);
      expect(await invalid.json()).toMatchObject({ error: { code: 105, field: 'title' } });
    }));

  const pausing: express.RequestHandler = (req, _res, next) => {
    req.pause();
    next();
  };
  it('reads a body a host middleware left paused, and refuses one over the limit (413) rather than wait', () =>
    behindHostParsers([pausing], async (chats) => {
      const created = await post(chats, { title: 'Paused by the host', visibility: 'public' });
      expect(created.status).toBe(201);
      const big = await post(chats, { title: 'Too big', visibility: 'public', description: 'x'.repeat(configAt('/chat').bodyLimitBytes) });
      expect(big.status).toBe(413);
      expect(await big.json()).toMatchObject({ error: { code: 603 } });
    }));

  // express 4's urlencoded({ extended: false }) parses with node:querystring: fields in an object without a prototype.
  const querystringFields: express.RequestHandler = (req, _res, next) => {
    req.body = parseQuerystring(String(req.body));
    next();
  };
  it.each([
    ['urlencoded({ extended: false })', [express.urlencoded({ extended: false })]],
    ['urlencoded({ extended: true })', [express.urlencoded({ extended: true })]],
    ["node:querystring, as express 4's urlencoded({ extended: false })", [express.text({ type: 'application/x-www-form-urlencoded' }), querystringFields]],
  ])("takes the fields the host's form parser (%s) read before the mount as the form's fields", (_name, parsers) =>
    behindHostParsers(parsers, async (chats) => {
      const form = (body: string) => fetch(chats, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      const created = await form('title=Fields+from+the+host&visibility=public');
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({ title: 'Fields from the host', visibility: 'public' });
      const short = await form('title=x&visibility=public');
      expect(short.status).toBe(400);
      expect(await short.json()).toMatchObject({ error: { code: 105, field: 'title' } });
      // jQuery's JSON sent as a form, which the host's parser has made one field named by the whole text.
      const jquery = await form(JSON.stringify({ title: 'Sent by jQuery', visibility: 'public' }));
      expect(jquery.status).toBe(400);
      expect(await jquery.json()).toMatchObject({ error: { code: 105, field: 'title' } });
    }));

  it('refuses to serve when mounted elsewhere than config.basePath, saying why', async () => {
    const chat = await createChitChatExpress(configAt('/chat'), { logger: pino({ level: 'silent' }) });
    const app = express();
    app.use('/elsewhere', chat.middleware);
    app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(500).json({ message: err.message }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      await chat.ready;
      const { port } = server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/elsewhere/chats/1`);
      expect(response.status).toBe(500);
      expect(((await response.json()) as { message: string }).message).toMatch(/mounted at "\/elsewhere" but config.basePath is "\/chat"/);
    } finally {
      await chat.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('an express app whose only upgrade listener is the chat (the README example)', () => {
  let host: AttachedHost<Server>;
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    host = await attachedExpressHost((app) => createServer(app), 'http');
    ({ server, origin } = host);
  });
  afterAll(() => host.close());

  it("answers the upgrades it does not take through the app, as Node would without it: the app's routes stay reachable", async () => {
    expect(await upgradeRequest(`${origin}/hello`, H2C)).toBe(200);
    expect(await upgradeRequest(`${origin}/elsewhere`, WEBSOCKET)).toBe(404);
    expect(await upgradeRequest(`${origin}/chat/chats/1/nope`, WEBSOCKET)).toBe(404);
    expect(await upgradeRequest(`${origin}/chat/chats/1/ws`, WEBSOCKET)).toBe(101);
    await resetUpgrades((server.address() as AddressInfo).port, '/elsewhere', WEBSOCKET);
    expect((await fetch(`${origin}/hello`)).status).toBe(200);
  });
});

describe('an HTTPS host (attach)', () => {
  let host: AttachedHost<HttpsServer>;
  let origin: string;
  beforeAll(async () => {
    // A certificate of its own for 127.0.0.1, made by Debian's openssl for this run.
    const dir = mkdtempSync(join(tmpdir(), 'chitchat-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const tls = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
    host = await attachedExpressHost((app) => createHttpsServer(tls, app), 'https');
    ({ origin } = host);
  });
  afterAll(() => host.close());

  it('answers an upgrade it does not take through the app over TLS, and chats over wss', async () => {
    expect(await upgradeRequest(`${origin}/elsewhere`, WEBSOCKET)).toBe(404);
    expect(await upgradeRequest(`${origin}/hello`, H2C)).toBe(200);
    const ws = new WebSocket(`${origin.replace('https', 'wss')}/chat/chats/1/ws`, { rejectUnauthorized: false });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ event_type: 'join', name: 'tls' }));
    expect(JSON.parse(await firstMessage(ws))).toMatchObject({ event_type: 'join', name: 'tls' });
    ws.close();
  });
});

describe('the standalone server with BASE_PATH (behind a proxy that forwards the prefix)', () => {
  let server: TestServer;
  let origin: string;
  beforeAll(async () => {
    server = await startTestServer({ basePath: '/api/v1' });
    origin = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server.close());

  it('serves below the base path, refuses outside it with 601, and sends the bare base path to its slash', async () => {
    expect(server.url).toBe(origin);
    expect((await fetch(`${origin}/api/v1/chats/1`)).status).toBe(200);
    const outside = await fetch(`${origin}/chats/1`);
    expect(outside.status).toBe(404);
    expect(await outside.json()).toMatchObject({ error: { code: 601 } });
    const bare = await fetch(`${origin}/api/v1`, { redirect: 'manual' });
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/api/v1/');
    const created = await post(`${origin}/api/v1/chats`, { title: 'Behind a proxy', visibility: 'public' });
    expect(created.headers.get('location')).toMatch(/^\/api\/v1\/chats\/\d+$/);
  });

  it('takes chat upgrades below the base path only', async () => {
    const chat = await TestSocket.open(wsUrl(`${origin}/api/v1`, 1));
    chat.send({ event_type: 'join', name: 'proxied' });
    expect(await chat.next((e) => e.event_type === 'join')).toMatchObject({ name: 'proxied' });
    chat.ws.close();
    expect(await refusedUpgrade(wsUrl(origin, 1))).toMatchObject({ status: 404, body: { error: { code: 601 } } });
  });

  it('answers an h2c upgrade below the base path over HTTP/1.1', async () => {
    expect(await upgradeRequest(`${origin}/api/v1/chats/1`, H2C)).toBe(200);
  });

  it('lives on when upgrades it refuses or declines are reset by the client', async () => {
    await resetUpgrades(server.port, '/nope', WEBSOCKET);
    await resetUpgrades(server.port, '/api/v1/chats/1', H2C);
    expect((await fetch(`${origin}/api/v1/health`)).status).toBe(200);
  });
});
