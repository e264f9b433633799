import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNpm as start, waitFor } from './support/process.js';
import { freePort } from './support/prism.js';

/** The built server as other tools start it: `PORT=<n> npm start`, after `make build`. */
const PASSWORD = 'process-test-password';

describe('npm start', () => {
  let server: ReturnType<typeof start>;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = start({ PORT: String(port), HOST: '127.0.0.1', SECRET_KEY: 'process-test-secret-key-0123456789', BCRYPT_COST: '4', LOG_LEVEL: 'info' });
    await waitFor(() => server.output().includes('"msg":"listening"'), 'the server to listen');
  });

  afterAll(async () => {
    // npm passes SIGTERM on to the server, which shuts down cleanly.
    server.child.kill('SIGTERM');
    await server.exited;
    await waitFor(() => server.output().includes('"msg":"shutting down"'), 'a clean shutdown', 5_000);
  });

  it('serves the API on PORT and says once that data lives in memory', async () => {
    const health = await fetch(`${base}/health`);
    expect(await health.json()).toMatchObject({ status: true, store: 'memory' });
    expect(server.output().match(/data lives in this process/g)).toHaveLength(1);
    // One plain line for the person who started it.
    expect(server.output()).toContain(`Chat on ${base}/  ·  API docs on /docs  ·  Ctrl+C to stop`);
  });

  it('serves its own self-contained openapi.yaml', async () => {
    const response = await fetch(`${base}/openapi.yaml`);
    expect(response.headers.get('content-type')).toMatch(/^application\/yaml/);
    const text = await response.text();
    expect(text).toMatch(/^# GENERATED/);
    expect(text).toContain('operationId: createRoom');
    expect(text).not.toContain('./spec/');
    const chat = await (await fetch(`${base}/asyncapi.yaml`)).text();
    expect(chat).toMatch(/^# GENERATED/);
    expect(chat).toContain('address: /chats/{roomId}/ws');
    expect(chat).not.toContain('./spec/');
  });

  it('logs one line per request and never a password, a secret or a token', async () => {
    const created = await fetch(`${base}/chats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Logged room', visibility: 'private', password: PASSWORD }),
    });
    const room = (await created.json()) as { id: number };
    const issued = await fetch(`${base}/chats/${room.id}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ secret: PASSWORD, name: 'logger' }),
    });
    const { token } = (await issued.json()) as { token: string };
    await fetch(`${base}/chats/${room.id}/token/renew`, { headers: { authorization: `Bearer ${token}` } });
    await fetch(`${base}/chats/${room.id}/token/renew`, { headers: { authorization: 'Bearer not-a-token-at-all' } });
    const linesFor = (url: string) => server.output().split('\n').filter((l) => l.includes('request completed') && l.includes(`"url":"${url}"`));
    await waitFor(() => linesFor(`/chats/${room.id}/token/renew`).length === 2, 'the renew request lines');
    expect(linesFor(`/chats/${room.id}/token`)).toHaveLength(1);
    expect(linesFor(`/chats/${room.id}/token/renew`).map((l) => JSON.parse(l).res.statusCode)).toEqual([201, 403]);
    const log = server.output();
    for (const secret of [PASSWORD, token, token.split('.')[2]!, 'not-a-token-at-all', 'process-test-secret-key-0123456789']) {
      expect(log).not.toContain(secret);
    }
  });
});

describe('npm start at LOG_LEVEL=warn', () => {
  it('writes no line for a request answered whole, and one for a request its client abandoned', async () => {
    const port = await freePort();
    const server = start({ PORT: String(port), HOST: '127.0.0.1', SECRET_KEY: 'process-test-secret-key-0123456789', LOG_LEVEL: 'warn' });
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok === true, 'the server to answer');
      expect((await fetch(`http://127.0.0.1:${port}/chats/1`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/chats/404404`)).status).toBe(404);
      // A body announced and never sent: the server is still reading it when the client goes.
      const socket = connect(port, '127.0.0.1');
      socket.write('POST /chats HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ti');
      await new Promise((resolve) => setTimeout(resolve, 200));
      socket.destroy();
      await waitFor(() => server.output().includes('"msg":"request aborted"'), 'the abandoned request\'s line');
      const line = JSON.parse(server.output().split('\n').find((l) => l.includes('"msg":"request aborted"'))!);
      expect(line).toMatchObject({ level: 40, req: { method: 'POST', url: '/chats' } });
      expect(server.output()).not.toContain('request completed');
      // Nothing failed: a client going mid-body is no error of the server's.
      expect(server.output()).not.toContain('"level":50');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});

describe('start-up refusals', () => {
  it('refuses REDIS_URL without MONGODB_URI: instances would each keep rooms of their own', async () => {
    const refused = start({ PORT: String(await freePort()), HOST: '127.0.0.1', SECRET_KEY: 'process-test-secret-key-0123456789', REDIS_URL: 'redis://127.0.0.1:1' });
    expect(await refused.exited).toBe(2);
    expect(refused.output()).toMatch(/REDIS_URL is set without MONGODB_URI/);
  });

  it('refuses to start in production with the development secret', async () => {
    const env: Record<string, string> = { NODE_ENV: 'production', PORT: String(await freePort()), HOST: '127.0.0.1', SECRET_KEY: '' };
    const refused = start(env);
    expect(await refused.exited).toBe(2);
    expect(refused.output()).toMatch(/refusing to start with the development secret/);
  });
});
