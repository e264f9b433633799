import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './prism.js';

/**
 * A database server of a test's own (FerretDB, Redis) on a loopback port and a temporary directory, to
 * stop, kill and start again at will: the binary comes from the environment variable `binVariable`,
 * which test/mongo/with-ferretdb.sh and test/redis/with-redis.sh set.
 */
export class LocalServer {
  private child: ChildProcess | undefined;
  readonly dataDir: string;

  constructor(
    readonly port: number,
    private readonly name: string,
    private readonly binVariable: string,
    private readonly args: (server: LocalServer) => string[],
  ) {
    this.dataDir = mkdtempSync(join(tmpdir(), `${name}-`));
  }

  static async start(name: string, binVariable: string, args: (server: LocalServer) => string[]): Promise<LocalServer> {
    const server = new LocalServer(await freePort(), name, binVariable, args);
    await server.resume();
    return server;
  }

  async resume(): Promise<void> {
    const bin = process.env[this.binVariable];
    if (!bin) throw new Error(`${this.binVariable} is not set: run through the Makefile target that provides ${this.name}`);
    this.child = spawn(bin, this.args(this), { stdio: 'ignore' });
    const until = Date.now() + 10_000;
    while (!(await this.answers())) {
      if (Date.now() > until) throw new Error(`${this.name} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends a signal and returns: SIGSTOP and SIGCONT stall and wake the server, as a network partition would. */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** SIGTERM (a clean stop) or SIGKILL (a crash), and waits for the process to end. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  private answers(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
  }
}

/** A FerretDB (MongoDB wire protocol on SQLite) of a test's own. */
export async function startFerretDB() {
  const server = await LocalServer.start('ferretdb', 'FERRETDB_BIN', (s) => [
    '--handler=sqlite',
    `--sqlite-url=file:${s.dataDir}/`,
    `--state-dir=${s.dataDir}`,
    `--listen-addr=127.0.0.1:${s.port}`,
    '--debug-addr=-',
    '--telemetry=disable',
    '--log-level=error',
  ]);
  return Object.assign(server, {
    /** maxPoolSize=1: FerretDB's SQLite handler loses concurrent $inc updates across connections. */
    uri: (database: string) => `mongodb://127.0.0.1:${server.port}/${database}?maxPoolSize=1`,
  });
}

/** A redis-server of a test's own; nothing is saved, so a restart starts empty, as a Redis without persistence does. */
export async function startRedis() {
  const server = await LocalServer.start('redis', 'REDIS_BIN', (s) => [
    '--bind', '127.0.0.1', '--port', String(s.port), '--dir', s.dataDir, '--save', '', '--appendonly', 'no',
  ]);
  return Object.assign(server, { url: `redis://127.0.0.1:${server.port}` });
}
