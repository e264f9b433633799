import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The benchmark harness itself, in quick mode (tiny loads, ~1 minute): every scenario runs against the
 * built server and its baseline and reports real figures. Nothing here asserts on speed.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const RUN_MS = 180_000;

interface Side {
  deliveriesPerSecond: number;
  loss: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  cpuMicrosPerDelivery: number;
  connectCpuSeconds: number;
  serverRssMb: number;
  machineLoadCpuPercent: number;
}
interface HttpSummary {
  requests: number;
  requestsPerSecond: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  cpuMicrosPerRequest: number;
}
interface SweepSide {
  rows: { rate: number; ok: boolean; deliveriesPerSecond: number; loss: number }[];
  saturation: { rate: number | null; deliveriesPerSecond: number | null; reachedWithinSweep: boolean };
}
interface Results {
  quick: boolean;
  rounds: number;
  serverFlags: string[];
  machine: { cpus: number; node: string; fdLimit: number };
  http: Record<
    'getRoom' | 'listRooms' | 'createRoom',
    {
      server: HttpSummary;
      fastifyGlue: HttpSummary;
      expressMount: HttpSummary;
      expressValidator: HttpSummary;
      baseline?: HttpSummary;
      serverInfoLog?: HttpSummary;
      serverNodeDefaults?: HttpSummary;
      fastifyGlueOwnerTokens?: HttpSummary;
      vsFastifyGlueOwnerTokens: number | null;
      infoLogVsWarn: number | null;
      shippedVsNodeDefaults: number | null;
      ratio: number | null;
      vsFastifyGlue: number;
      mountVsStandalone: number;
      mountVsExpressValidator: number;
      roundRatios: Partial<Record<'ratio' | 'vsFastifyGlue' | 'vsFastifyGlueOwnerTokens', number[]>>;
    }
  > &
    Record<'issueToken', { server: HttpSummary }> & { idleRssMb: Record<string, number>; idleRssLaterMb: Record<string, number> };
  fanout: { watchers: number; rate: number; loaded: boolean; server: Side; baseline: Side; p99Ratio: number; roundP99Ratios: number[]; cpuPerDeliveryRatio: number }[];
  sweep: { watchers: number; rule: string; server: SweepSide; baseline: SweepSide };
  targets: { fanoutNearSaturation: { watchers: number; rate: number; loaded: boolean; p99Ratio: number; p99Met: boolean; cpuMet: boolean }[] };
  connections: {
    sockets: number;
    connectMs: number;
    broadcastReceivedBy: number;
    serverRssMbConnected: number;
    serverRssMbHeldEarly: number;
    serverRssMbHeld: number;
    rssKbPerConnection: number;
    baseline: { broadcastReceivedBy: number; serverRssMbHeldEarly: number; serverRssMbHeld: number; rssKbPerConnection: number };
  };
  scaleout: {
    watchers: number;
    single: Side & { outOfOrder: number };
    pair: Side & { outOfOrder: number };
    p99Ratio: number;
    cpuPerDeliveryRatio: number;
    targets: { lossless: boolean; inOrder: boolean; p99Met: boolean };
  };
}

/** A measured figure: a finite number (toBeTypeOf('number') would let NaN through). */
const measured = (x: unknown) => expect(Number.isFinite(x), `${x} is not a finite number`).toBe(true);

/** `node bench/run.mjs`, bounded: SIGTERM (the harness then kills its servers) if it overruns. */
function runHarness(env: Record<string, string>): Promise<{ code: number | null; stdout: string; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bench/run.mjs'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (c: Buffer) => ((stdout += c.toString()), (output += c.toString())));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), RUN_MS);
    child.on('exit', (code) => (clearTimeout(timer), resolve({ code, stdout, output })));
  });
}

const contents = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : null);

describe('bench/run.mjs (BENCH_QUICK=1)', () => {
  const out = mkdtempSync(join(tmpdir(), 'bench-'));
  const untouched = [join(root, 'bench/results/latest.json'), join(root, 'bench/results/latest.md'), join(root, 'README.md')];
  const before = untouched.map(contents);
  let run: Awaited<ReturnType<typeof runHarness>>;
  let results: Results;

  beforeAll(async () => {
    expect(existsSync(join(root, 'dist/src/main.js')), 'run `make build` first').toBe(true);
    run = await runHarness({ BENCH_QUICK: '1', BENCH_OUT: out });
    expect(run.code, run.output).toBe(0);
    results = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as Results;
  }, RUN_MS + 10_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes the table with the machine line to BENCH_OUT and stdout, and nothing into bench/results or README.md', () => {
    const table = readFileSync(join(out, 'latest.md'), 'utf8');
    expect(table).toMatch(/^Machine: \d+ × /);
    expect(run.stdout).toContain(table.trim());
    expect(results.quick).toBe(true);
    expect(results.machine.cpus).toBeGreaterThan(0);
    // The server is measured as `npm start` runs it, Node flags included.
    const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(start).toBe(['exec node', ...results.serverFlags, 'dist/src/main.js'].join(' '));
    expect(results.serverFlags).toContain('--max-semi-space-size=4');
    expect(untouched.map(contents)).toEqual(before);
  });

  it('counts HTTP requests on every stack (ours standalone and mounted in express, the fastify and express peers, bare), with no errors and no non-2xx', () => {
    for (const name of ['getRoom', 'listRooms', 'createRoom'] as const) {
      const x = results.http[name];
      const stacks = [x.server, x.fastifyGlue, x.expressMount, x.expressValidator, ...(name === 'createRoom' ? [] : [x.baseline!]), ...(name === 'getRoom' ? [x.serverInfoLog!] : []), ...(name === 'listRooms' ? [] : [x.serverNodeDefaults!]), ...(name === 'createRoom' ? [x.fastifyGlueOwnerTokens!] : [])];
      for (const side of stacks) {
        expect(side.requests, name).toBeGreaterThan(0);
        measured(side.cpuMicrosPerRequest);
        expect(side.errors, name).toBe(0);
        expect(side.non2xx, name).toBe(0);
      }
      for (const ratio of [x.vsFastifyGlue, x.mountVsStandalone, x.mountVsExpressValidator, ...(name === 'createRoom' ? [] : [x.ratio]), ...(name === 'getRoom' ? [x.infoLogVsWarn] : []), ...(name === 'listRooms' ? [] : [x.shippedVsNodeDefaults]), ...(name === 'createRoom' ? [x.vsFastifyGlueOwnerTokens] : [])]) measured(ratio);
    }
    expect(results.http.issueToken.server.requests).toBeGreaterThan(0);
    for (const idle of [results.http.idleRssMb, results.http.idleRssLaterMb]) {
      for (const rss of Object.values(idle)) measured(rss);
      expect(Object.keys(idle)).toEqual(['server', 'serverInfoLog', 'serverNodeDefaults']);
    }
  });

  it('pairs each ratio round by round, for the stacks the route runs', () => {
    expect(Object.keys(results.http.getRoom.roundRatios).sort()).toEqual(['ratio', 'vsFastifyGlue']);
    expect(Object.keys(results.http.createRoom.roundRatios).sort()).toEqual(['vsFastifyGlue', 'vsFastifyGlueOwnerTokens']);
    for (const name of ['getRoom', 'listRooms', 'createRoom'] as const) {
      const x = results.http[name];
      for (const [key, rounds] of Object.entries(x.roundRatios)) {
        expect(rounds, `${name} ${key}`).toHaveLength(results.rounds);
        // One round: its pair is the medians' pair, so the two ratios are the same figure.
        expect(rounds, `${name} ${key}`).toEqual([x[key as keyof typeof x.roundRatios]]);
      }
    }
  });

  it('fans out losslessly at a trivial load, on a quiet machine and a loaded one, server and baseline, with every figure measured', () => {
    expect(results.fanout.map((f) => f.loaded)).toEqual([false, true]);
    for (const f of results.fanout) {
      for (const side of [f.server, f.baseline]) {
        expect(side.loss).toBe(0);
        expect(side.deliveriesPerSecond).toBeGreaterThan(0);
        for (const figure of [side.p50Ms, side.p99Ms, side.maxMs, side.cpuMicrosPerDelivery, side.connectCpuSeconds, side.serverRssMb]) measured(figure);
        expect(side.p50Ms).toBeLessThanOrEqual(side.p99Ms);
        expect(side.p99Ms).toBeLessThanOrEqual(side.maxMs);
        // The neighbour process was busy beside the loaded runs only (about half a core), and the quiet ones had none.
        if (f.loaded) expect(side.machineLoadCpuPercent).toBeGreaterThan(20);
        else expect(side.machineLoadCpuPercent).toBe(0);
      }
      expect(f.p99Ratio).toBeGreaterThan(0);
      expect(f.roundP99Ratios).toEqual([f.p99Ratio]); // one round
      expect(f.cpuPerDeliveryRatio).toBeGreaterThan(0);
    }
    // The near-saturation verdicts, here on the quick load: one for the quiet run and one for the loaded one.
    const near = results.targets.fanoutNearSaturation;
    expect(near.map((x) => [x.watchers, x.rate, x.loaded])).toEqual([[50, 20, false], [50, 20, true]]);
    for (const [x, f] of near.map((x, i) => [x, results.fanout[i]!] as const)) {
      expect(x.p99Ratio).toBe(f.p99Ratio);
      expect(x.p99Met).toBe(f.p99Ratio <= 1.25);
      expect(x.cpuMet).toBe(f.cpuPerDeliveryRatio <= 1.1);
    }
    expect(readFileSync(join(out, 'latest.md'), 'utf8')).toMatch(/Near saturation \(p99 ≤ 1\.25×, CPU per delivery ≤ 1\.1× the baseline's\): 50 × 20\/s quiet: p99 [0-9.]+× (yes|\*\*no\*\*), CPU [0-9.]+× (yes|\*\*no\*\*).*; 50 × 20\/s loaded: /);
  });

  it('sweeps rates for both and reports a saturation entry for each, with its rule', () => {
    expect(results.sweep.rule).toMatch(/lossless/);
    for (const side of [results.sweep.server, results.sweep.baseline]) {
      expect(side.rows.length).toBeGreaterThan(0);
      expect(side.rows[0]!.loss).toBe(0);
      // At this trivial load the lowest rate passes, so there is a saturation rate (null would mean none).
      measured(side.saturation.rate);
      expect(side.saturation.reachedWithinSweep).toBeTypeOf('boolean');
    }
  });

  it('connects every socket, and every socket receives the broadcast', () => {
    const c = results.connections;
    expect(c.sockets).toBe(200);
    expect(c.broadcastReceivedBy).toBe(c.sockets);
    measured(c.connectMs);
    expect(c.serverRssMbConnected).toBeGreaterThan(0);
    expect(c.serverRssMbHeldEarly).toBeGreaterThan(0);
    expect(c.serverRssMbHeld).toBeGreaterThan(0);
    measured(c.rssKbPerConnection);
    // Bare ws held the same sockets the same way, and took the same broadcast.
    expect(c.baseline.broadcastReceivedBy).toBe(c.sockets);
    expect(c.baseline.serverRssMbHeldEarly).toBeGreaterThan(0);
    expect(c.baseline.serverRssMbHeld).toBeGreaterThan(0);
    measured(c.baseline.rssKbPerConnection);
  });

  it('runs two instances on a shared Redis against one, both lossless and in order, with their ratios', () => {
    const x = results.scaleout;
    expect(x.watchers).toBe(100);
    for (const side of [x.single, x.pair]) {
      expect(side.loss).toBe(0);
      expect(side.outOfOrder).toBe(0);
      expect(side.deliveriesPerSecond).toBeGreaterThan(0);
      for (const figure of [side.p99Ms, side.cpuMicrosPerDelivery]) measured(figure);
    }
    measured(x.p99Ratio);
    measured(x.cpuPerDeliveryRatio);
    expect(x.targets).toMatchObject({ lossless: true, inOrder: true });
  });
});

describe('bench/instructions.mjs (tiny counts)', () => {
  /** Three servers started under valgrind one after another: about two minutes here. */
  const INSTR_RUN_MS = 300_000;
  const out = mkdtempSync(join(tmpdir(), 'instructions-'));
  const untouched = [join(root, 'bench/results/instructions.json'), join(root, 'bench/results/instructions.md'), join(root, 'README.md')];
  const before = untouched.map(contents);
  let run: { code: number | null; output: string };

  beforeAll(async () => {
    run = await new Promise((resolve) => {
      const env = { ...process.env, INSTR_WARM: '100', INSTR_REQUESTS: '50', INSTR_ROUTES: 'getRoom,createRoom', INSTR_STACKS: 'server,baseline', BENCH_OUT: out };
      const child = spawn(process.execPath, ['bench/instructions.mjs'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const timer = setTimeout(() => child.kill('SIGTERM'), INSTR_RUN_MS);
      child.on('exit', (code) => (clearTimeout(timer), resolve({ code, output })));
    });
  }, INSTR_RUN_MS + 10_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('counts the instructions of every request it drives, on our server and on bare node:http, into BENCH_OUT only', () => {
    expect(run.code, run.output).toBe(0);
    const { results, collections } = JSON.parse(readFileSync(join(out, 'instructions.json'), 'utf8')) as {
      results: Record<string, Record<string, number>>;
      collections: Record<string, Record<string, { young: number; old: number; instructions: number }>>;
    };
    // Only the stacks asked for, each on the routes it has (bare node:http creates no room).
    expect(Object.keys(results.getRoom!).sort()).toEqual(['baseline', 'server']);
    expect(Object.keys(results.createRoom!)).toEqual(['server']);
    for (const count of [results.getRoom!.server, results.getRoom!.baseline, results.createRoom!.server]) {
      expect(Number.isInteger(count) && count! > 1000, `${count} instructions a request`).toBe(true);
    }
    // Every count says how many of V8's collections it holds (none, in so few requests, is a fair answer).
    for (const [route, byStack] of Object.entries(collections)) {
      for (const [stack, { young, old, instructions }] of Object.entries(byStack)) {
        expect([young, old, instructions].every(Number.isInteger), `${young}, ${old}, ${instructions}`).toBe(true);
        // A count without collections has none of their instructions; one with them has fewer than the whole.
        expect(instructions === 0 ? young + old === 0 : instructions < results[route]![stack]!, `${route} ${stack}`).toBe(true);
      }
    }
    expect(readFileSync(join(out, 'instructions.md'), 'utf8')).toMatch(/\| getRoom \| bare node:http \| [\d,]+ \| [\d.]+ \| [\d,]+ \(\d+, \d+\) \| [\d,]+ \| [\d.]+ \|/);
    expect(untouched.map(contents)).toEqual(before);
  });
});
