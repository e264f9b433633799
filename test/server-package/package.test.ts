import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../../src/contract/document.js';
import { TestSocket, wsUrl } from '../support/chat.js';
import { freePort } from '../support/prism.js';
import { waitFor } from '../support/process.js';

/**
 * The server package as its users get it: `npm pack`, installed from the tarball with express and cors
 * into a scratch project (never the source); the README's express example type-checked under strict
 * TypeScript, run, and talked to; and the `chitchat-api` command. `make test-package`.
 */
const run = promisify(execFile);
const root = projectRoot();
let scratch: string;
let tarball: string;
const children: ChildProcess[] = [];

/** The ```ts block of the README's "In an existing express app" section. */
function expressExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split('\n## In an existing express app\n')[1]!.split('\n## ')[0]!;
  return /```ts\n([\s\S]*?)```/.exec(section)![1]!;
}

/** A node process of the scratch project on a free loopback port, once it answers `probe`. */
async function start(args: string[], env: Record<string, string>, probe: string) {
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    cwd: scratch,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), SECRET_KEY: 'package-test-secret-0123456789', BCRYPT_COST: '4', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const origin = `http://127.0.0.1:${port}`;
  await waitFor(async () => child.exitCode !== null || (await fetch(`${origin}${probe}`).then((r) => r.ok, () => false)), `${args.join(' ')} to answer`, 20_000);
  if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited: ${output}`);
  return { origin, output: () => output };
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'server-user-'));
  const packed = await run('npm', ['pack', '--pack-destination', scratch, '--json'], { cwd: root });
  tarball = join(scratch, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
  const ours = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  const dev = (name: string) => ours.devDependencies[name]!;
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify({
      name: 'server-user',
      private: true,
      type: 'module',
      // express 4 beside 5, under another name: the peer range says both.
      dependencies: { 'chitchat-api': `file:${tarball}`, express: dev('express'), express4: 'npm:express@^4.21.0', cors: dev('cors') },
      devDependencies: { '@types/express': dev('@types/express'), '@types/cors': dev('@types/cors'), '@types/node': dev('@types/node'), typescript: dev('typescript') },
    }),
  );
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: scratch, timeout: 300_000 });
}, 320_000);

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

describe('the packed server', () => {
  it('holds its built code, its types, both documents and the chat page, and no tests or sources', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.split('\n').filter(Boolean);
    for (const file of ['package/dist/src/index.js', 'package/dist/src/index.d.ts', 'package/dist/src/express.js', 'package/dist/src/express.d.ts', 'package/dist/src/main.js', 'package/generated/openapi.yaml', 'package/generated/openapi.json', 'package/generated/asyncapi.yaml', 'package/generated/chat-contract.json', 'package/web/dist/index.html', 'package/README.md', 'package/LICENSE']) {
      expect(files).toContain(file);
    }
    expect(files.filter((f) => /^package\/(src|test|spec|bench|clients)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')) || f.endsWith('.map'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(scratch, 'node_modules/chitchat-api/package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ peerDependencies: { express: expect.any(String) }, peerDependenciesMeta: { express: { optional: true } } });
    expect(manifest.private).toBeUndefined();
  });

  it("type-checks the README's express example under strict TypeScript, runs it, and chats through it", async () => {
    writeFileSync(join(scratch, 'app.ts'), expressExample());
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', outDir: 'out', types: ['node'], skipLibCheck: false }, include: ['app.ts'] }),
    );
    await run(join(scratch, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: scratch }).catch((err: { stdout: string }) => {
      throw new Error(`the README's express example does not type-check:\n${err.stdout}`);
    });
    const app = await start(['out/app.js'], {}, '/hello');
    expect(await (await fetch(`${app.origin}/hello`)).json()).toEqual({ hello: 'from the app' });
    const room = await fetch(`${app.origin}/chat/chats/1`, { headers: { origin: 'http://elsewhere.example' } });
    expect(room.headers.get('access-control-allow-origin')).toBe('*');
    expect(await room.json()).toMatchObject({ id: 1, title: 'Public Chat' });
    const openapi = parse(await (await fetch(`${app.origin}/chat/openapi.yaml`)).text()) as { servers: { url: string }[] };
    expect(openapi.servers[0]!.url).toBe(`${app.origin}/chat`);
    expect(await (await fetch(`${app.origin}/chat/`)).text()).toContain('./app/assets/');

    const socket = await TestSocket.open(wsUrl(`${app.origin}/chat`, 1));
    socket.send({ event_type: 'join', name: 'packaged' });
    expect(await socket.next((e) => e.event_type === 'join')).toMatchObject({ name: 'packaged', room_id: 1 });
    socket.ws.close();
  });

  it('mounts in an express 4 app as well', async () => {
    writeFileSync(
      join(scratch, 'express4.mjs'),
      `import express from 'express4';
import { loadConfig } from 'chitchat-api';
import { createChitChatExpress } from 'chitchat-api/express';
const config = loadConfig(process.env, { basePath: '/chat' });
const chat = await createChitChatExpress(config);
const app = express();
app.use(config.basePath, chat.middleware);
app.post('/chat/notes', express.json(), (req, res) => res.status(201).json({ noted: req.body }));
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
chat.attach(server);
`,
    );
    const app = await start(['express4.mjs'], {}, '/chat/health');
    expect(JSON.parse(readFileSync(join(scratch, 'node_modules/express4/package.json'), 'utf8')).version).toMatch(/^4\./);
    const bare = await fetch(`${app.origin}/chat`, { redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([308, '/chat/']);
    const created = await fetch(`${app.origin}/chat/chats`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'On express 4', visibility: 'public' }) });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toMatch(/^\/chat\/chats\/\d+$/);
    const noted = await fetch(`${app.origin}/chat/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"kept":true}' });
    expect(await noted.json()).toEqual({ noted: { kept: true } });
    const socket = await TestSocket.open(wsUrl(`${app.origin}/chat`, 1));
    socket.send({ event_type: 'join', name: 'four' });
    expect(await socket.next((e) => e.event_type === 'join')).toMatchObject({ name: 'four' });
    socket.ws.close();
  });

  it('starts the standalone server with the chitchat-api command', async () => {
    const server = await start([join(scratch, 'node_modules/.bin/chitchat-api')], {}, '/health');
    expect(await (await fetch(`${server.origin}/health`)).json()).toMatchObject({ status: true, store: 'memory' });
    expect((await fetch(`${server.origin}/docs`)).status).toBe(200);
  });
});
