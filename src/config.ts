import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import dotenv from 'dotenv';
import proxyaddr from 'proxy-addr';

/** The development secret; a server started with it in production refuses to run. */
export const DEVELOPMENT_SECRET = 'development-secret-change-me-0123456789';

export interface Config {
  host: string;
  port: number;
  /** ChitChat's ReadTimeout: the deadline for receiving a whole request, in seconds. */
  readTimeoutSeconds: number;
  /** ChitChat's WriteTimeout, in seconds: idle sockets (no bytes either way) are closed after it. */
  writeTimeoutSeconds: number;
  /** ChitChat's Static: a directory served under /static/, or empty for none. */
  staticDir: string;
  /**
   * Where the service sits in the host's URL space ('' at the root, '/chat' when mounted under /chat):
   * every path the service writes (Location, the documents' servers, the docs and chat pages) starts
   * with it, and its upgrade paths are under it.
   */
  basePath: string;
  secretKey: string;
  usingDevelopmentSecret: boolean;
  production: boolean;
  /** bcrypt cost; Go's bcrypt.DefaultCost, as ChitChat used, unless set. */
  bcryptCost: number;
  tokenTtlSeconds: number;
  bodyLimitBytes: number;
  /** Requests per client address per window on /chats; 0 turns the limit off. */
  rateLimit: number;
  rateLimitWindowMs: number;
  /** Password attempts per room per minute (token requests); a right password gives its attempt back. 0: no limit. */
  tokenAttemptsPerRoom: number;
  /** Open connections per client address (the socket's peer; proxies TRUST_PROXY lists are not counted). 0: no limit. */
  maxConnectionsPerAddress: number;
  mongodbUri: string | undefined;
  /** The deadline of every store operation: past it, 503 (701) rather than a request held by a stalled store. */
  storeTimeoutMs: number;
  /** Redis for the live state several instances share; unset, it stays in this process. */
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel: several deployments can share one Redis. */
  redisKeyPrefix: string;
  /** How long a presence entry outlives the last sign of its instance: a crashed instance's users leave after it. */
  presenceTtlMs: number;
  /** The proxies whose X-Forwarded-For names the client (proxy-addr's trust list); empty: the socket's peer is the client. */
  trustProxy: string[];
  logLevel: string;
  /**
   * ChitChat's open model, for old clients that need it: anyone may change or delete a public room, and
   * Authorization may also be `Token <t>` or the bare token. Off, a public room is its creator's (owner
   * token) and only `Bearer <t>` is read.
   */
  chitchatCompat: boolean;
  chat: ChatLimits;
}

/** WebSocket limits; asyncapi.yaml documents each with its environment variable and default. */
export interface ChatLimits {
  maxFrameBytes: number;
  ratePerSecond: number;
  rateBurst: number;
  pingIntervalMs: number;
  maxBufferedBytes: number;
  /** How long a message waits for a lower one before the gap is filled from the store or given up. */
  gapTimeoutMs: number;
  /** Frames a socket may have waiting to be handled; more are refused at once (605). 32, or the burst if larger. */
  maxPendingFrames: number;
  /** Refused frames within floodWindowMs past which the socket is closed (1008). */
  floodRefusals: number;
  floodWindowMs: number;
  /** Arrivals and departures within this long of the first are announced together (`presence`); 0: each alone. */
  presenceBatchMs: number;
}

interface ConfigFile {
  Address?: string;
  ReadTimeout?: number;
  WriteTimeout?: number;
  Static?: string;
}

export class ConfigError extends Error {}

/**
 * Segments of unreserved URL characters, each after a slash: the base path is written as it is into
 * URLs, HTML and scripts, and express reads `:` and `(` in a mount path as route syntax.
 */
const BASE_PATH = /^(?:\/(?!\.{1,2}(?:\/|$))[A-Za-z0-9._~-]+)*$/;

function readConfigFile(path: string): ConfigFile {
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ConfigFile;
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

/** ChitChat's Address, Go style: "host:port", where an empty host (":8080") means every interface. */
function splitAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  const host = at >= 0 ? address.slice(0, at) : address;
  const port = at >= 0 ? Number(address.slice(at + 1)) : 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`config.json: bad port in Address "${address}"`);
  return { host: host.replace(/^\[(.*)\]$/, '$1') || '0.0.0.0', port };
}

function seconds(file: ConfigFile, name: 'ReadTimeout' | 'WriteTimeout', fallback: number): number {
  const value = file[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(`config.json: ${name} must be a number of seconds, got ${JSON.stringify(file[name])}`);
  }
  return value;
}

/**
 * Settings come from config.json (ChitChat's HTTP settings), then .env, then the environment,
 * each overriding the one before. `overrides` is for embedding the server (tests, benchmarks).
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Config> = {},
  cwd = process.cwd(),
): Config {
  const merged: NodeJS.ProcessEnv = { ...readDotEnv(cwd), ...env };
  const file = readConfigFile(resolve(cwd, merged.CONFIG_FILE ?? 'config.json'));
  const address = splitAddress(file.Address ?? '127.0.0.1:8080');
  const production = merged.NODE_ENV === 'production';
  const secretKey = merged.SECRET_KEY || DEVELOPMENT_SECRET;
  const config: Config = {
    host: merged.HOST || address.host,
    port: integer(merged, 'PORT', address.port),
    readTimeoutSeconds: seconds(file, 'ReadTimeout', 10),
    writeTimeoutSeconds: seconds(file, 'WriteTimeout', 600),
    staticDir: file.Static ?? '',
    basePath: merged.BASE_PATH ?? '',
    secretKey,
    usingDevelopmentSecret: secretKey === DEVELOPMENT_SECRET,
    production,
    bcryptCost: integer(merged, 'BCRYPT_COST', 10, 4),
    tokenTtlSeconds: integer(merged, 'TOKEN_TTL_SECONDS', 3600, 1),
    bodyLimitBytes: integer(merged, 'BODY_LIMIT_BYTES', 16 * 1024, 64),
    rateLimit: integer(merged, 'RATE_LIMIT', 600),
    rateLimitWindowMs: integer(merged, 'RATE_LIMIT_WINDOW_MS', 60_000, 1),
    tokenAttemptsPerRoom: integer(merged, 'TOKEN_ATTEMPTS_PER_ROOM', 30),
    maxConnectionsPerAddress: integer(merged, 'MAX_CONNECTIONS_PER_ADDRESS', 256),
    mongodbUri: merged.MONGODB_URI || undefined,
    storeTimeoutMs: integer(merged, 'STORE_TIMEOUT_MS', 5000),
    redisUrl: merged.REDIS_URL || undefined,
    redisKeyPrefix: merged.REDIS_KEY_PREFIX ?? 'chitchat:',
    presenceTtlMs: integer(merged, 'PRESENCE_TTL_MS', 20_000, 1000),
    trustProxy: (merged.TRUST_PROXY ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    logLevel: merged.LOG_LEVEL || 'info',
    chitchatCompat: flag(merged, 'CHITCHAT_COMPAT', false),
    chat: {
      maxFrameBytes: integer(merged, 'CHAT_MAX_FRAME_BYTES', 16 * 1024, 64),
      ratePerSecond: integer(merged, 'CHAT_RATE_PER_SECOND', 10, 1),
      rateBurst: integer(merged, 'CHAT_RATE_BURST', 20, 1),
      pingIntervalMs: integer(merged, 'CHAT_PING_INTERVAL_MS', 30_000, 10),
      maxBufferedBytes: integer(merged, 'CHAT_MAX_BUFFERED_BYTES', 1024 * 1024, 1024),
      gapTimeoutMs: integer(merged, 'CHAT_GAP_TIMEOUT_MS', 2000, 10),
      // Never below the burst: a frame the rate allows is not refused for waiting behind the burst before it.
      maxPendingFrames: integer(merged, 'CHAT_MAX_PENDING_FRAMES', Math.max(32, integer(merged, 'CHAT_RATE_BURST', 20, 1)), 1),
      floodRefusals: integer(merged, 'CHAT_FLOOD_REFUSALS', 50, 1),
      floodWindowMs: integer(merged, 'CHAT_FLOOD_WINDOW_MS', 10_000, 100),
      presenceBatchMs: integer(merged, 'CHAT_PRESENCE_BATCH_MS', 100),
    },
    ...overrides,
  };
  if (config.production && config.usingDevelopmentSecret) {
    throw new ConfigError('SECRET_KEY is not set: refusing to start with the development secret in production');
  }
  try {
    proxyaddr.compile(config.trustProxy);
  } catch (err) {
    throw new ConfigError(`TRUST_PROXY: ${(err as Error).message}`);
  }
  if (config.redisUrl && !config.mongodbUri) {
    throw new ConfigError(
      'REDIS_URL is set without MONGODB_URI: several instances would each keep their own rooms in memory. ' +
        'Set MONGODB_URI to the MongoDB they share, or unset REDIS_URL to run one instance on the embedded store.',
    );
  }
  if (!BASE_PATH.test(config.basePath)) {
    throw new ConfigError(`BASE_PATH must be empty or a path such as /chat (no trailing slash, no query), got "${config.basePath}"`);
  }
  if (config.secretKey.length < 24) {
    throw new ConfigError('SECRET_KEY must be at least 24 characters');
  }
  return config;
}

function readDotEnv(cwd: string): NodeJS.ProcessEnv {
  const path = resolve(cwd, '.env');
  return existsSync(path) ? dotenv.parse(readFileSync(path)) : {};
}
