import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { projectRoot } from '../../src/contract/document.js';
import { freePort } from './prism.js';

const root = projectRoot();

export interface ServerProcess {
  child: ChildProcess;
  /** Everything it wrote, stdout and stderr. */
  output(): string;
  exited: Promise<number | null>;
}

/** The built server as other tools start it: `npm start`, after `make build`, with `env` added. */
export function startNpm(env: Record<string, string>): ServerProcess {
  if (!existsSync(`${root}/dist/src/main.js`)) throw new Error('run `make build` first');
  const child = spawn('npm', ['start', '--silent'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (text += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

export async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Instance extends ServerProcess {
  url: string;
  /** The node process itself: npm is its parent, and a signal to npm would not reach it as a crash would. */
  pid: number;
  /** Sends the signal to the server and waits for it to end; nothing when it has ended already. */
  signal(signal: NodeJS.Signals): Promise<void>;
}

/** One `npm start` server on a free loopback port, once it listens. */
export async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const started = startNpm({ HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', BCRYPT_COST: '4', RATE_LIMIT: '0', ...env });
  await waitFor(() => started.output().includes('"msg":"listening"') || started.child.exitCode !== null, 'a server to listen');
  if (started.child.exitCode !== null) throw new Error(`the server exited: ${started.output()}`);
  const npm = started.child.pid!;
  const [pid] = readFileSync(`/proc/${npm}/task/${npm}/children`, 'utf8').trim().split(/\s+/).map(Number);
  if (!pid) throw new Error('npm start has no child process');
  return {
    ...started,
    url: `http://127.0.0.1:${port}`,
    pid,
    async signal(signal) {
      const ended = () => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z');
      if (!ended()) process.kill(pid, signal);
      await waitFor(ended, `process ${pid} to end`, 10_000);
      await started.exited;
    },
  };
}
