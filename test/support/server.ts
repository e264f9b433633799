import { createChitChatClient, type ChitChatClient } from '@chitchat/client';
import { pino } from 'pino';
import { loadConfig, type ChatLimits, type Config } from '../../src/config.js';
import type { ChitChatOptions } from '../../src/chitchat.js';
import { listen, type RunningServer } from '../../src/server.js';
import { assertMatchesContract, contractCheck } from './contract.js';
import { listenExpressHost, MOUNT, onExpressHost } from './express-host.js';
import { startPrism } from './prism.js';

export const TEST_SECRET = 'test-secret-key-of-sufficient-length';

export interface TestServer extends RunningServer {
  config: Config;
  /**
   * Where API requests go: the server itself, or, when CONTRACT_PROXY=1 (`make contract`), a Prism
   * proxy in front of it that reports every request and response leaving openapi.yaml.
   */
  apiUrl: string;
  /** The generated SDK, with every response checked against the spec. */
  client(): ChitChatClient;
  /** Moves the server's clock for room tokens forward, instead of waiting for them to expire. */
  advanceClock(ms: number): void;
  /** A raw request (for bodies the SDK would never send), its response checked against the spec. */
  request(method: string, path: string, init?: RequestInit): Promise<Response>;
  /** The same, always straight to the server: Prism's proxy never answers a body that is not JSON. */
  requestDirect(method: string, path: string, init?: RequestInit): Promise<Response>;
}

/** A real server on a loopback port of its own, on a fresh embedded store. */
/**
 * A fresh database on the MongoDB-wire server of this run (`make test-mongo` sets TEST_MONGODB_URI),
 * so that the same suites run on both stores. maxPoolSize=1: FerretDB's SQLite handler loses concurrent
 * $inc updates across connections (one connection keeps the id counter atomic).
 */
export function testDatabaseUri(name = `chitchat_${process.pid}_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`): string | undefined {
  const base = process.env.TEST_MONGODB_URI;
  return base ? `${base.replace(/\/$/, '')}/${name}?maxPoolSize=1` : undefined;
}

/**
 * The Redis of this run (`make test-redis` sets TEST_REDIS_URL, with a MongoDB-wire server beside it),
 * with a key prefix of the test server's own, so that servers sharing one Redis share nothing else.
 */
export function testRedis(): Pick<Config, 'redisUrl' | 'redisKeyPrefix'> {
  const url = process.env.TEST_REDIS_URL;
  return { redisUrl: url || undefined, redisKeyPrefix: `test:${process.pid}:${Math.random().toString(36).slice(2, 10)}:` };
}

/** The path every API path is below on the test server: '' standalone, '/chat' on the express host. */
export const basePathOf = (server: { url: string }) => new URL(server.url).pathname.replace(/\/$/, '');

export type TestConfig = Partial<Omit<Config, 'chat'>> & { chat?: Partial<ChatLimits> };

export async function startTestServer(overrides: TestConfig = {}, options: ChitChatOptions = {}): Promise<TestServer> {
  const { chat, ...rest } = overrides;
  const shared = options.engines?.rooms ? { mongodbUri: undefined, redisUrl: undefined } : { mongodbUri: testDatabaseUri(), ...testRedis() };
  const mount = onExpressHost() ? { basePath: MOUNT } : {};
  const base = loadConfig({ SECRET_KEY: TEST_SECRET }, { host: '127.0.0.1', port: 0, bcryptCost: 4, rateLimit: 0, logLevel: 'silent', ...shared, ...mount, ...rest });
  const config: Config = { ...base, chat: { ...base.chat, ...chat } };
  let offset = 0;
  const start = onExpressHost() ? listenExpressHost : listen;
  const running = await start(config, { logger: pino({ level: 'silent' }), clock: () => Date.now() + offset, ...options });
  await running.ready;
  const proxy = process.env.CONTRACT_PROXY === '1' ? await startPrism(['proxy', running.url]) : undefined;
  const apiUrl = proxy?.url ?? running.url;
  return {
    ...running,
    config,
    apiUrl,
    async close() {
      await proxy?.close();
      await running.close();
    },
    advanceClock(ms) {
      offset += ms;
    },
    client() {
      const client = createChitChatClient({ baseUrl: apiUrl });
      client.use(contractCheck);
      return client;
    },
    request: (method, path, init = {}) => checkedFetch(`${apiUrl}${path}`, method, init),
    requestDirect: (method, path, init = {}) => checkedFetch(`${running.url}${path}`, method, init),
  };
}

async function checkedFetch(url: string, method: string, init: RequestInit): Promise<Response> {
  const response = await fetch(url, { ...init, method });
  await assertMatchesContract(method, url, response, new Headers(init.headers).get('content-type') ?? undefined);
  return response;
}

export function json(body: unknown): RequestInit {
  return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** The `error` object of an error body. */
export async function errorOf(response: Response): Promise<{ code: number; error: string; field?: string }> {
  const body = (await response.json()) as { status: boolean; error: { code: number; error: string; field?: string } };
  return body.error;
}
