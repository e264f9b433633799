import { createChitChatClient, type ChitChatClient } from '@chitchat/client';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../src/config.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server.js';
import { assertMatchesContract, contractCheck } from './contract.js';

export const TEST_SECRET = 'test-secret-key-of-sufficient-length';

export interface TestServer extends RunningServer {
  config: Config;
  /** The generated SDK, with every response checked against the spec. */
  client(): ChitChatClient;
  /** A raw request (for bodies the SDK would never send), its response checked against the spec. */
  request(method: string, path: string, init?: RequestInit): Promise<Response>;
}

/** A real server on a loopback port of its own, on a fresh embedded store. */
export async function startTestServer(overrides: Partial<Config> = {}, options: ServerOptions = {}): Promise<TestServer> {
  const config = loadConfig(
    { SECRET_KEY: TEST_SECRET },
    { host: '127.0.0.1', port: 0, bcryptCost: 4, rateLimit: 0, logLevel: 'silent', ...overrides },
  );
  const running = await startServer(config, { logger: pino({ level: 'silent' }), ...options });
  return {
    ...running,
    config,
    client() {
      const client = createChitChatClient({ baseUrl: running.url });
      client.use(contractCheck);
      return client;
    },
    async request(method, path, init = {}) {
      const url = `${running.url}${path}`;
      const response = await fetch(url, { ...init, method });
      await assertMatchesContract(method, url, response);
      return response;
    },
  };
}

export function json(body: unknown): RequestInit {
  return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** The `error` object of an error body. */
export async function errorOf(response: Response): Promise<{ code: number; error: string; field?: string }> {
  const body = (await response.json()) as { status: boolean; error: { code: number; error: string; field?: string } };
  return body.error;
}
