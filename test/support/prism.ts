import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { projectRoot } from '../../src/contract/document.js';

const root = projectRoot();

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

export interface Prism {
  url: string;
  close(): Promise<void>;
}

/**
 * Prism (`mock` or `proxy <target>`) on a loopback port of its own, serving generated/openapi.yaml.
 * Resolves once it answers; `probe` is a path it can answer.
 */
export async function startPrism(args: string[], probe = '/health'): Promise<Prism> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    join(root, 'node_modules', '.bin', 'prism'),
    [...args.slice(0, 1), join(root, 'generated', 'openapi.yaml'), ...args.slice(1), '-h', '127.0.0.1', '-p', String(port)],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prism exited: ${output.slice(-2000)}`);
    try {
      await fetch(`${url}${probe}`);
      break;
    } catch {
      if (Date.now() > until) {
        child.kill();
        throw new Error(`prism did not start in 30 s: ${output.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
