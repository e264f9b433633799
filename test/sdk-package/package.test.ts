import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/contract/document.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * The SDK as its users get it: `npm pack`, installed from the tarball into a scratch project of its own
 * (never the source), its README's examples type-checked under strict TypeScript against the published
 * declarations and run against a live server. `make test-sdk`.
 */
const run = promisify(execFile);
const root = projectRoot();
const README_URL = 'http://127.0.0.1:8080';
let scratch: string;
let tarball: string;
let server: TestServer;

/** The ```ts blocks of the package's README. */
function readmeExamples(): string[] {
  const readme = readFileSync(join(root, 'clients/typescript/README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'sdk-user-'));
  const packed = await run('npm', ['pack', '-w', '@chitchat/client', '--pack-destination', scratch, '--json'], { cwd: root });
  tarball = join(scratch, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
  const versions = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string>; dependencies: Record<string, string> };
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify({
      name: 'sdk-user',
      private: true,
      type: 'module',
      dependencies: { '@chitchat/client': `file:${tarball}`, ws: versions.dependencies.ws },
      devDependencies: { '@types/ws': versions.devDependencies['@types/ws'], '@types/node': versions.devDependencies['@types/node'], typescript: versions.devDependencies.typescript },
    }),
  );
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: scratch });
  server = await startTestServer();
}, 240_000);

afterAll(async () => {
  await server?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the packed SDK', () => {
  it('holds its built code, its types, README and LICENSE, and nothing that points outside it', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.split('\n').filter(Boolean);
    for (const file of ['package/package.json', 'package/README.md', 'package/LICENSE', 'package/dist/index.js', 'package/dist/index.d.ts', 'package/dist/cjs/index.js', 'package/dist/generated/openapi.d.ts']) {
      expect(files).toContain(file);
    }
    const installed = join(scratch, 'node_modules/@chitchat/client/dist');
    for (const file of readdirSync(installed, { recursive: true }) as string[]) {
      if (!/\.(js|d\.ts)$/.test(file)) continue;
      expect(readFileSync(join(installed, file), 'utf8'), file).not.toMatch(/from ['"]\.\.\/\.\.\//);
    }
    const manifest = JSON.parse(readFileSync(join(scratch, 'node_modules/@chitchat/client/package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ type: 'module', sideEffects: false, engines: { node: expect.any(String) } });
    const spec = readFileSync(join(root, 'generated/openapi.yaml'), 'utf8');
    expect(spec).toContain(`version: ${String(manifest.version)}\n`);
  });

  it('type-checks every README example under strict TypeScript, and runs each against a live server', async () => {
    const examples = readmeExamples();
    expect(examples.length).toBeGreaterThanOrEqual(3);
    examples.forEach((code, i) => writeFileSync(join(scratch, `example-${i}.ts`), code.replaceAll(README_URL, server.url)));
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', outDir: 'out', types: ['node'], skipLibCheck: false }, include: ['example-*.ts'] }),
    );
    await run(join(scratch, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: scratch }).catch((err: { stdout: string }) => {
      throw new Error(`the README examples do not type-check:\n${err.stdout}`);
    });
    const outputs = await Promise.all(examples.map((_, i) => run(process.execPath, [join(scratch, `out/example-${i}.js`)], { cwd: scratch, timeout: 20_000 })));
    const [rest, chat, refused] = outputs.map((o) => o.stdout);
    expect(rest).toContain('400 102 title');
    expect(chat).toMatch(/david entered the room\.\n#1 david: Hello everyone/);
    expect(refused).toBe('404 101\n');
  });

  it('is required from CommonJS as well', async () => {
    const { stdout } = await run(process.execPath, ['-e', "const sdk = require('@chitchat/client'); console.log(typeof sdk.createChitChatClient, typeof sdk.ChatConnection)"], { cwd: scratch });
    expect(stdout).toBe('function function\n');
  });
});
