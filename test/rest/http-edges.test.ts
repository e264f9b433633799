import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type LoggerOptions } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskedTextFrame, rawSocket, wsUrl } from '../support/chat.js';
import { onExpressHost } from '../support/express-host.js';
import { startTestServer, type TestConfig, type TestServer } from '../support/server.js';

/** A server whose log lines are kept, parsed, for the test to read; `options` are its pino logger's. */
async function loggingServer(overrides: TestConfig = {}, options: LoggerOptions = {}) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const server = await startTestServer(overrides, { logger: pino({ level: 'info', ...options }, sink) });
  return { server, lines };
}

/** Raw bytes to the server, and everything it answers until it closes the connection (or `ms` pass). */
function exchange(server: TestServer, chunks: { after: number; bytes: string }[], ms = 8000): Promise<string> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let answer = '';
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.on('data', (data) => (answer += data.toString()));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    for (const { after, bytes } of chunks) setTimeout(() => socket.writable && socket.write(bytes), after);
  });
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
const bodyOf = (answer: string) => answer.slice(answer.indexOf('\r\n\r\n') + 4);
const apiPath = (server: TestServer, path: string) => `${new URL(server.url).pathname.replace(/\/$/, '')}${path}`;

describe('HTTP edges', () => {
  let server: TestServer;
  let lines: Record<string, unknown>[];
  beforeAll(async () => {
    ({ server, lines } = await loggingServer({ readTimeoutSeconds: 1 }));
  });
  afterAll(() => server.close());

  // Standalone only: an express host's server, and its timeouts, are the host's.
  it.skipIf(onExpressHost())('cuts a body still arriving at the read timeout with 408 (607), and logs it as 408', async () => {
    const started = performance.now();
    const answer = await exchange(server, [
      { after: 0, bytes: `POST ${apiPath(server, '/chats')} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"title":` },
    ]);
    const elapsed = performance.now() - started;
    expect(statusOf(answer)).toBe(408);
    expect(JSON.parse(bodyOf(answer))).toEqual({ status: false, error: { code: 607, error: 'Request error: Request timeout' } });
    // Node looked at the timeout only every 30 s before; now within a second or two of it.
    expect(elapsed).toBeLessThan(5000);
    await expect.poll(() => lines.find((l) => (l.req as { url?: string } | undefined)?.url === '/chats' && (l.res as { statusCode?: number }).statusCode === 408)).toBeTruthy();
  });

  it('keeps the body of a request that offers h2c (curl --http2 over http://)', async () => {
    const body = JSON.stringify({ title: `Over h2c ${Date.now()}`, visibility: 'public' });
    const answer = await exchange(server, [
      {
        after: 0,
        bytes:
          `POST ${apiPath(server, '/chats')} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n` +
          `HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
      },
      { after: 100, bytes: body.slice(10) },
      { after: 400, bytes: `GET ${apiPath(server, '/chats/1')} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n` },
    ]);
    const [first, second] = answer.split(/(?=HTTP\/1\.1 )/);
    expect(statusOf(first!)).toBe(201);
    expect(JSON.parse(bodyOf(first!))).toMatchObject({ title: JSON.parse(body).title, visibility: 'public' });
    // The connection carries on as plain HTTP/1.1.
    expect(statusOf(second!)).toBe(200);
  });

  it('refuses an h2c offer with more header lines than Node keeps (431), rather than write it again without some', async () => {
    const filler = Array.from({ length: 1100 }, (_, i) => `x-filler-${i}: a\r\n`).join('');
    const answer = await exchange(server, [
      {
        after: 0,
        bytes: `POST ${apiPath(server, '/chats')} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n${filler}Content-Length: 2\r\n\r\n{}`,
      },
    ]);
    expect(statusOf(answer)).toBe(431);
    expect(JSON.parse(bodyOf(answer))).toMatchObject({ error: { code: 606 } });
  });

  it('leaves a stray body on GET and DELETE unread instead of refusing it with 415', async () => {
    // fetch sends no body with GET: raw bytes, then a second request on the same connection.
    const answer = await exchange(server, [
      { after: 0, bytes: `GET ${apiPath(server, '/chats/1')} HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 3\r\n\r\na,b` },
      { after: 200, bytes: `GET ${apiPath(server, '/health')} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n` },
    ]);
    expect(answer.split(/(?=HTTP\/1\.1 )/).map(statusOf)).toEqual([200, 200]);
    const created = await server.client().createRoom({ title: `Stray body ${Date.now()}`, visibility: 'public' });
    // Straight to the server: the body is outside the contract on purpose, and Prism's proxy says so.
    const deleted = await server.requestDirect('DELETE', `/chats/${created.id}`, {
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${created.owner_token}` },
      body: 'a,b',
    });
    expect(deleted.status).toBe(200);
  });

  it('keeps query values out of the request log, but for numbers', async () => {
    await server.requestDirect('GET', '/chats?limit=5&token=eyJhbGciOiJIUzI1NiJ9.secret.part&cursor=2');
    await expect.poll(() => lines.map((l) => (l.req as { url?: string } | undefined)?.url)).toContain('/chats?limit=5&token=[redacted]&cursor=2');
    expect(JSON.stringify(lines)).not.toContain('secret.part');
  });

  it('keeps a query part with no = out of the request log too, but for a number', async () => {
    await server.requestDirect('GET', '/chats?eyJhbGciOiJIUzI1NiJ9.bare.part&7');
    await expect.poll(() => lines.map((l) => (l.req as { url?: string } | undefined)?.url)).toContain('/chats?[redacted]&7');
    expect(JSON.stringify(lines)).not.toContain('bare.part');
  });

  it('logs an invalid WebSocket frame as one line, without a stack trace', async () => {
    const raw = await rawSocket(wsUrl(server.url, 1));
    // A text frame whose payload is not UTF-8: ws closes the socket with 1007.
    const frame = maskedTextFrame('xx');
    frame[6] = 0xff ^ 0x12;
    raw.socket.write(frame);
    await expect.poll(() => lines.find((l) => l.msg === 'invalid websocket frame; socket closed')).toBeTruthy();
    const line = lines.find((l) => l.msg === 'invalid websocket frame; socket closed')!;
    expect(line).toMatchObject({ code: 'WS_ERR_INVALID_UTF8', level: 30 });
    expect(JSON.stringify(line)).not.toContain('stack');
    raw.socket.destroy();
  });
});

describe('a logger given by the host', () => {
  it('keeps its own redaction on the request lines, which the server writes without its own redaction', async () => {
    const { server, lines } = await loggingServer({}, { redact: ['req.url'] });
    try {
      await server.requestDirect('GET', '/chats/1');
      const requestLines = () => lines.filter((line) => line.msg === 'request completed');
      await expect.poll(() => requestLines().length).toBeGreaterThan(0);
      expect(requestLines().map((line) => (line.req as { url?: string }).url)).toEqual(requestLines().map(() => '[Redacted]'));
    } finally {
      await server.close();
    }
  });
});

describe('the static directory', () => {
  it('answers a folder under /static/ with 404 (601) rather than a redirect that loses the prefix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chitchat-static-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'file.txt'), 'in a folder');
    const server = await startTestServer({ staticDir: dir });
    try {
      const folder = await fetch(`${server.url}/static/sub`, { redirect: 'manual' });
      expect(folder.status).toBe(404);
      expect(((await folder.json()) as { error: { code: number } }).error.code).toBe(601);
      expect(await (await fetch(`${server.url}/static/sub/file.txt`)).text()).toBe('in a folder');
    } finally {
      await server.close();
    }
  });
});

// Standalone only: an express host's server, and its timeouts, are the host's.
describe.skipIf(onExpressHost())('the write timeout', () => {
  /** Larger than loopback's socket buffers both ways (4 MB to send, 32 MB to receive here), so that a reader who stops stalls it. */
  const LARGE = 64 * 1024 * 1024;
  let server: TestServer;
  let dir: string;
  /** The server's side of each connection, by the client's port. */
  const accepted = new Map<number, Socket>();
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chitchat-static-'));
    // Sparse: 64 MB of zeros to read, none of them written to disk.
    const file = openSync(join(dir, 'large.bin'), 'w');
    ftruncateSync(file, LARGE);
    closeSync(file);
    server = await startTestServer({ staticDir: dir, writeTimeoutSeconds: 1, readTimeoutSeconds: 1 });
    server.server.on('connection', (socket: Socket) => accepted.set(socket.remotePort!, socket));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true });
  });

  /** A raw connection to the server, and the server's side of it once accepted. */
  async function connection(): Promise<{ client: Socket; served: Socket }> {
    const url = new URL(server.url);
    const client = connect(Number(url.port), url.hostname);
    await new Promise((resolve) => client.once('connect', resolve));
    await expect.poll(() => accepted.get(client.localPort!)).toBeTruthy();
    return { client, served: accepted.get(client.localPort!)! };
  }

  const closed = (socket: Socket) => new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())));

  it('cuts a response its client stopped reading once nothing has moved for that long', async () => {
    const { client, served } = await connection();
    client.pause();
    const started = performance.now();
    const cut = closed(served);
    client.write('GET /static/large.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    const at = await cut;
    // Stalled, not finished: most of the file never left the server.
    expect(served.bytesWritten).toBeLessThan(LARGE / 2);
    expect(at - started).toBeGreaterThanOrEqual(900);
    expect(at - started).toBeLessThan(5000);
    client.destroy();
  });

  it('cuts responses written at once that their client stopped reading, as it does a streamed one', async () => {
    const { client, served } = await connection();
    client.pause();
    // The document is answered from memory, within the request listener; 800 of them (about 46 MB)
    // are more than loopback's buffers hold.
    const started = performance.now();
    const cut = closed(served);
    client.write('GET /openapi.yaml HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(800));
    const at = await cut;
    expect(at - started).toBeGreaterThanOrEqual(900);
    expect(at - started).toBeLessThan(5000);
    client.destroy();
  });

  it('leaves a response alone while its client reads it, however long it takes in all', async () => {
    const { client } = await connection();
    let received = 0;
    const ended = new Promise<void>((resolve) => client.on('end', resolve));
    client.on('data', (data: Buffer) => {
      received += data.length;
      // Eight pauses of 150 ms: each well under the timeout, together over it.
      if (received % (8 * 1024 * 1024) < data.length) {
        client.pause();
        setTimeout(() => client.resume(), 150);
      }
    });
    client.write('GET /static/large.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await ended;
    // The whole file, and its headers.
    expect(received).toBeGreaterThan(LARGE);
  });

  it('cuts a connection that never sends a request at the read timeout, with 408 (607)', async () => {
    const started = performance.now();
    const answer = await exchange(server, []);
    expect(statusOf(answer)).toBe(408);
    expect(JSON.parse(bodyOf(answer))).toMatchObject({ error: { code: 607 } });
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
