import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { refusedUpgrade, TestSocket, wsUrl } from '../support/chat.js';
import { onExpressHost } from '../support/express-host.js';
import { json, startTestServer } from '../support/server.js';

/**
 * The per-address cap is the standalone server's (an express host's connections are the host's), and its
 * tests count every loopback connection: they do not run behind the contract run's Prism proxy, whose own
 * connections to the server come from the same address.
 */
const ownConnections = !onExpressHost() && process.env.CONTRACT_PROXY !== '1';

const TOO_MANY = { status: false, error: { code: 605, error: 'Request error: Too many requests' } };

function openSocket(url: string): Promise<Socket> {
  const { port, hostname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** What the server says on a connection that sent nothing yet, until it closes it (or `ms` pass). */
function answerOf(socket: Socket, ms = 2000): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => resolve(text), ms);
    socket.on('data', (data) => (text += data.toString()));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

describe('connections per client address', () => {
  it.skipIf(!ownConnections)('answers the connection past the cap with 429 (605) and closes it; a closed one frees its place', async () => {
    const server = await startTestServer({ maxConnectionsPerAddress: 5 });
    try {
      const held = await Promise.all([1, 2, 3, 4, 5].map(() => openSocket(server.url)));
      const refused = await openSocket(server.url);
      const answer = await answerOf(refused);
      expect(answer).toMatch(/^HTTP\/1\.1 429 /);
      expect(answer).toMatch(/\r\nRetry-After: 1\r\n/);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual(TOO_MANY);
      // The server itself is fine, for others and for this client once it holds fewer connections.
      held.pop()!.destroy();
      await expect.poll(async () => (await fetch(`${server.url}/health`).catch(() => null))?.status).toBe(200);
      for (const socket of held) socket.destroy();
    } finally {
      await server.close();
    }
  });
});

describe('connections per client address, and what arrives on them', () => {
  it.skipIf(!ownConnections)('does not carry out a request sent on a refused connection, and counts a connection once however many upgrades it declines', async () => {
    const server = await startTestServer({ maxConnectionsPerAddress: 2 });
    try {
      const held = await openSocket(server.url);
      // One keep-alive connection offering h2c five times: still one connection of this address.
      const h2c = (i: number) => `GET /chats/1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nX-Round: ${i}\r\n\r\n`;
      const keepAlive = await openSocket(server.url);
      let answers = '';
      keepAlive.on('data', (data) => (answers += data.toString()));
      for (let i = 0; i < 5; i++) {
        keepAlive.write(h2c(i));
        await expect.poll(() => answers.match(/HTTP\/1\.1 200 /g)?.length ?? 0).toBe(i + 1);
      }
      // The address holds two connections: a third is refused, and the room it asks for is not created.
      const refused = await openSocket(server.url);
      const body = JSON.stringify({ title: 'Never made', visibility: 'public' });
      refused.write(`POST /chats HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      expect(await answerOf(refused)).toMatch(/^HTTP\/1\.1 429 /);
      keepAlive.destroy();
      await expect.poll(async () => (await fetch(`${server.url}/chats/Never%20made`).catch(() => null))?.status).toBe(404);
      held.destroy();
    } finally {
      await server.close();
    }
  });
});

describe('WebSocket upgrades', () => {
  it('count against the same per-client rate limit as REST, answered 429 (605) with Retry-After', async () => {
    const server = await startTestServer({ rateLimit: 4, rateLimitWindowMs: 60_000 });
    try {
      expect((await fetch(`${server.url}/chats/1`)).status).toBe(200);
      expect((await fetch(`${server.url}/chats/1`)).status).toBe(200);
      const sockets = [await TestSocket.open(wsUrl(server.url, 1)), await TestSocket.open(wsUrl(server.url, 1))];
      const refused = await refusedUpgrade(wsUrl(server.url, 1));
      expect(refused).toEqual({ status: 429, body: TOO_MANY });
      const rest = await fetch(`${server.url}/chats/1`);
      expect(rest.status).toBe(429);
      expect(Number(rest.headers.get('retry-after'))).toBeGreaterThan(0);
      for (const socket of sockets) await socket.close();
    } finally {
      await server.close();
    }
  });
});

describe('password attempts per room', () => {
  it("refuse a room's guesses past its allowance without slowing another room's login, and give right ones back", async () => {
    const server = await startTestServer({ tokenAttemptsPerRoom: 5 });
    try {
      const api = server.client();
      const [attacked, other] = await Promise.all([
        api.createRoom({ title: 'Attacked', visibility: 'private', password: 'the real one' }),
        api.createRoom({ title: 'Other', visibility: 'private', password: 'the real one' }),
      ]);
      const guess = (roomId: number, secret: string) => server.request('POST', `/chats/${roomId}/token`, json({ secret, name: 'mallory' }));
      const guesses = await Promise.all(Array.from({ length: 40 }, (_, i) => guess(attacked.id, `guess ${i}`)));
      const statuses = guesses.map((r) => r.status);
      // Five guesses were checked (wrong: 401); every other one refused before its hash was computed.
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(35);
      const refused = guesses.find((r) => r.status === 429)!;
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refused.json()).toEqual(TOO_MANY);

      // Another room's login is untouched, as many times as it likes: right passwords give their attempt back.
      for (let i = 0; i < 8; i++) expect((await guess(other.id, 'the real one')).status).toBe(201);
      // The attacked room waits out its window, the right password too.
      expect((await guess(attacked.id, 'the real one')).status).toBe(429);
    } finally {
      await server.close();
    }
  });
});
