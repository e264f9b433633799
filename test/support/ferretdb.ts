import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './prism.js';

/** A FerretDB of a test's own (FERRETDB_BIN, set by test/mongo/with-ferretdb.sh), to stop and start at will. */
export class OwnFerretDB {
  private child: ChildProcess | undefined;
  readonly dataDir = mkdtempSync(join(tmpdir(), 'ferretdb-'));

  private constructor(readonly port: number) {}

  static async start(): Promise<OwnFerretDB> {
    const db = new OwnFerretDB(await freePort());
    await db.resume();
    return db;
  }

  uri(database: string): string {
    return `mongodb://127.0.0.1:${this.port}/${database}?maxPoolSize=1`;
  }

  async resume(): Promise<void> {
    const bin = process.env.FERRETDB_BIN;
    if (!bin) throw new Error('FERRETDB_BIN is not set: run through test/mongo/with-ferretdb.sh (make test-mongo)');
    this.child = spawn(
      bin,
      ['--handler=sqlite', `--sqlite-url=file:${this.dataDir}/`, `--state-dir=${this.dataDir}`, `--listen-addr=127.0.0.1:${this.port}`, '--debug-addr=-', '--telemetry=disable', '--log-level=error'],
      { stdio: 'ignore' },
    );
    const until = Date.now() + 10_000;
    while (!(await this.answers())) {
      if (Date.now() > until) throw new Error('FerretDB did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
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
