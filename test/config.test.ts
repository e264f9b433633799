import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEVELOPMENT_SECRET, loadConfig } from '../src/config.js';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'chitchat-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('configuration', () => {
  it('reads ChitChat config.json, then .env, then the environment, each overriding the one before', () => {
    const dir = dirWith({
      'config.json': JSON.stringify({ Address: '127.0.0.2:9000', ReadTimeout: 7, WriteTimeout: 9, Static: 'public' }),
      '.env': 'PORT=9100\nSECRET_KEY=from-dotenv-secret-0123456789\nBCRYPT_COST=5\n',
    });
    const fromFiles = loadConfig({}, {}, dir);
    expect(fromFiles).toMatchObject({
      host: '127.0.0.2',
      port: 9100,
      readTimeoutSeconds: 7,
      writeTimeoutSeconds: 9,
      staticDir: 'public',
      secretKey: 'from-dotenv-secret-0123456789',
      bcryptCost: 5,
      usingDevelopmentSecret: false,
    });
    const fromEnv = loadConfig({ PORT: '9200', HOST: '::1', SECRET_KEY: 'from-environment-secret-0123' }, {}, dir);
    expect(fromEnv).toMatchObject({ host: '::1', port: 9200, secretKey: 'from-environment-secret-0123' });
  });

  it('defaults to 127.0.0.1:8080 and the development secret without files or environment', () => {
    const config = loadConfig({}, {}, dirWith({}));
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8080, secretKey: DEVELOPMENT_SECRET, usingDevelopmentSecret: true, mongodbUri: undefined });
  });

  it('refuses the development secret in production, and short secrets anywhere', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' }, {}, dirWith({}))).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production', SECRET_KEY: 'a-production-secret-of-length' }, {}, dirWith({}))).not.toThrow();
    expect(() => loadConfig({ SECRET_KEY: 'short' }, {}, dirWith({}))).toThrow(/at least 24/);
  });

  it('refuses numbers that are not numbers', () => {
    expect(() => loadConfig({ PORT: 'eighty' }, {}, dirWith({}))).toThrow(/PORT/);
    expect(() => loadConfig({ BCRYPT_COST: '2' }, {}, dirWith({}))).toThrow(/BCRYPT_COST/);
    expect(() => loadConfig({}, {}, dirWith({ 'config.json': '{"ReadTimeout":"ten"}' }))).toThrow(/ReadTimeout/);
    expect(() => loadConfig({}, {}, dirWith({ 'config.json': '{"Address":"host:99999"}' }))).toThrow(/Address/);
    expect(() => loadConfig({ CHAT_MAX_FRAME_BYTES: '12' }, {}, dirWith({}))).toThrow(/CHAT_MAX_FRAME_BYTES/);
  });

  it('refuses REDIS_URL without MONGODB_URI, and a TRUST_PROXY it cannot read', () => {
    const secret = { SECRET_KEY: 'a-secret-of-sufficient-length' };
    expect(() => loadConfig({ ...secret, REDIS_URL: 'redis://127.0.0.1:6379' }, {}, dirWith({}))).toThrow(/REDIS_URL is set without MONGODB_URI/);
    expect(loadConfig({ ...secret, REDIS_URL: 'redis://127.0.0.1:6379', MONGODB_URI: 'mongodb://127.0.0.1/x' }, {}, dirWith({}))).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      redisKeyPrefix: 'chitchat:',
      presenceTtlMs: 20_000,
      trustProxy: [],
    });
    expect(loadConfig({ ...secret, TRUST_PROXY: 'loopback, 10.0.0.0/8' }, {}, dirWith({})).trustProxy).toEqual(['loopback', '10.0.0.0/8']);
    expect(() => loadConfig({ ...secret, TRUST_PROXY: 'not-an-address' }, {}, dirWith({}))).toThrow(/TRUST_PROXY/);
  });

  it('takes BASE_PATH as a path without a trailing slash, and refuses anything else', () => {
    const secret = { SECRET_KEY: 'a-secret-of-sufficient-length' };
    expect(loadConfig(secret, {}, dirWith({})).basePath).toBe('');
    for (const good of ['/chat', '/api/v1', '/a.b~c']) expect(loadConfig({ ...secret, BASE_PATH: good }, {}, dirWith({})).basePath).toBe(good);
    for (const bad of ['chat', '/chat/', '/', '/a b', '/chat?x=1', '/..', '/a/./b', '//x', "/it's", '/api:v1', '/(x)', '/a%20b']) {
      expect(() => loadConfig({ ...secret, BASE_PATH: bad }, {}, dirWith({})), bad).toThrow(/BASE_PATH/);
    }
    expect(() => loadConfig(secret, { basePath: '/trailing/' }, dirWith({}))).toThrow(/BASE_PATH/);
  });

  it('reads a Go-style Address without host as every interface, as ChitChat did', () => {
    expect(loadConfig({}, {}, dirWith({ 'config.json': '{"Address":":9090"}' }))).toMatchObject({ host: '0.0.0.0', port: 9090 });
  });
});
