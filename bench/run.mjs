// The benchmark harness (`make bench`): starts each server in its own process, drives it from this
// process (HTTP, autocannon) or from bench/ws-load.mjs (WebSocket), each run bounded in time, all on
// loopback, and writes bench/results/latest.json and latest.md. Baselines run in the same session,
// alternated with the server under test, and every figure is also given as a ratio to its baseline.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { connect, createServer } from 'node:net';
import autocannon from 'autocannon';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const root = new URL('..', import.meta.url).pathname;

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function startProcess(args, env = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, args(port), {
    cwd: root,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), RATE_LIMIT: '0', LOG_LEVEL: 'warn', SECRET_KEY: 'bench-secret-key-0123456789abcdef', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // Ready when it accepts a connection (the server logs at warn level here, so there is no line to wait for).
  const until = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const up = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => (socket.end(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > until) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, pid: child.pid, url: `http://127.0.0.1:${port}`, stop: () => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM'))) };
}
const fullServer = (env) => startProcess((port) => ['dist/src/main.js'], env);
const bareHttp = () => startProcess((port) => ['bench/servers/bare-http.mjs', String(port)]);
const bareWs = () => startProcess((port) => ['bench/servers/bare-ws.mjs', String(port)]);

/** utime+stime in seconds and RSS in MB of a process, from /proc. */
function usage(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
  return { cpuSeconds: ticks / 100, rssMb: rss };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function cannon(url, opts = {}) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: 10, duration: SECONDS, ...opts }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}
const summary = (r) => ({ requestsPerSecond: Math.round(r.requests.average), p50Ms: r.latency.p50, p99Ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors });

async function httpBench() {
  const results = {};
  const full = await fullServer();
  const bare = await bareHttp();
  try {
    for (const [name, path] of [['getRoom', '/chats/1'], ['listRooms', '/chats']]) {
      const ours = [];
      const base = [];
      await cannon(full.url + path, { duration: 1 }); // warm-up
      await cannon(bare.url + path, { duration: 1 });
      for (let i = 0; i < ROUNDS; i++) {
        ours.push(summary(await cannon(full.url + path)));
        base.push(summary(await cannon(bare.url + path)));
      }
      const o = ours.sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(ROUNDS / 2)];
      const b = base.sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(ROUNDS / 2)];
      results[name] = { server: o, baseline: b, ratio: +(o.requestsPerSecond / b.requestsPerSecond).toFixed(3) };
    }
    let n = 0;
    results.createRoom = {
      server: summary(
        await cannon(`${full.url}/chats`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ title: `Bench room ${process.pid} ${++n}`, visibility: 'public' }) }) }],
        }),
      ),
    };
    const created = await fetch(`${full.url}/chats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Bench private', visibility: 'private', password: 'bench password' }),
    }).then((r) => r.json());
    const tokenOpts = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret: 'bench password', name: 'b' }) };
    const alone = summary(await cannon(`${full.url}/chats/1`));
    const [tokens, during] = await Promise.all([cannon(`${full.url}/chats/${created.id}/token`, tokenOpts), cannon(`${full.url}/chats/1`, { connections: 2 })]);
    results.issueToken = { server: summary(tokens), bcryptCost: 10 };
    results.getRoomDuringIssueToken = { alone, during: summary(during), note: 'getRoom (2 connections) while issueToken (10 connections) runs' };
  } finally {
    await full.stop();
    await bare.stop();
  }
  return results;
}

function wsLoad(url, watchers, rate, seconds = SECONDS) {
  const out = execFileSync(process.execPath, ['bench/ws-load.mjs', url, String(watchers), String(rate), String(seconds)], { cwd: root, maxBuffer: 1 << 20 });
  return JSON.parse(out.toString().trim().split('\n').at(-1));
}

async function fanoutRun(kind, watchers, rate) {
  const server = kind === 'server' ? await fullServer({ CHAT_RATE_PER_SECOND: '100000', CHAT_RATE_BURST: '100000' }) : await bareWs();
  try {
    const url = kind === 'server' ? `${server.url.replace('http', 'ws')}/chats/1/ws` : server.url.replace('http', 'ws');
    const before = usage(server.pid);
    const load = wsLoad(url, watchers, rate);
    const after = usage(server.pid);
    const cpu = after.cpuSeconds - before.cpuSeconds;
    return { ...load, serverCpuSeconds: +cpu.toFixed(2), cpuMicrosPerDelivery: load.deliveries ? +((cpu * 1e6) / load.deliveries).toFixed(1) : null, serverRssMb: Math.round(after.rssMb) };
  } finally {
    await server.stop();
  }
}

async function fanoutBench() {
  const scenarios = [
    [100, 100],
    [1000, 20],
    [1000, 50],
    [5000, 10],
  ];
  const results = [];
  for (const [watchers, rate] of scenarios) {
    const runs = { server: [], baseline: [] };
    for (let i = 0; i < ROUNDS; i++) {
      runs.server.push(await fanoutRun('server', watchers, rate));
      runs.baseline.push(await fanoutRun('baseline', watchers, rate));
    }
    const pick = (xs) => xs.sort((a, b) => a.p99Ms - b.p99Ms)[Math.floor(xs.length / 2)];
    const s = pick(runs.server);
    const b = pick(runs.baseline);
    results.push({
      watchers,
      rate,
      server: s,
      baseline: b,
      p99Ratio: s.p99Ms && b.p99Ms ? +(s.p99Ms / b.p99Ms).toFixed(2) : null,
      cpuPerDeliveryRatio: s.cpuMicrosPerDelivery && b.cpuMicrosPerDelivery ? +(s.cpuMicrosPerDelivery / b.cpuMicrosPerDelivery).toFixed(2) : null,
    });
  }
  return results;
}

async function connectionsBench(count = Number(process.env.BENCH_CONNECTIONS ?? 10000)) {
  const server = await fullServer();
  try {
    const before = usage(server.pid);
    const load = wsLoad(`${server.url.replace('http', 'ws')}/chats/1/ws`, count, 1, 1);
    const after = usage(server.pid);
    return { sockets: count, connectMs: load.connectMs, broadcastReceivedBy: load.deliveries, serverRssMbBefore: Math.round(before.rssMb), serverRssMbAfter: Math.round(after.rssMb), rssKbPerConnection: +(((after.rssMb - before.rssMb) * 1024) / count).toFixed(1) };
  } finally {
    await server.stop();
  }
}

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), kernel: release(), node: process.version };
console.log('machine:', machine);
const http = await httpBench();
console.log('http:', JSON.stringify(http));
const fanout = await fanoutBench();
console.log('fanout:', JSON.stringify(fanout));
const connections = await connectionsBench();
console.log('connections:', JSON.stringify(connections));

const results = { date: new Date().toISOString(), machine, seconds: SECONDS, rounds: ROUNDS, http, fanout, connections };
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(`${root}bench/results/latest.json`, `${JSON.stringify(results, null, 2)}\n`);
const rows = [
  `Machine: ${machine.cpus} × ${machine.cpu}, ${machine.memoryGb} GiB, Node ${machine.node}. ${SECONDS} s a run, median of ${ROUNDS}, server and baseline alternated.`,
  '',
  '| HTTP | server req/s | p50 / p99 ms | baseline req/s | ratio |',
  '|---|---|---|---|---|',
  ...['getRoom', 'listRooms'].map((k) => `| ${k} | ${http[k].server.requestsPerSecond} | ${http[k].server.p50Ms} / ${http[k].server.p99Ms} | ${http[k].baseline.requestsPerSecond} | ${http[k].ratio} |`),
  `| createRoom | ${http.createRoom.server.requestsPerSecond} | ${http.createRoom.server.p50Ms} / ${http.createRoom.server.p99Ms} | | |`,
  `| issueToken (bcrypt 10) | ${http.issueToken.server.requestsPerSecond} | ${http.issueToken.server.p50Ms} / ${http.issueToken.server.p99Ms} | | |`,
  `| getRoom alone / during issueToken | ${http.getRoomDuringIssueToken.alone.requestsPerSecond} / ${http.getRoomDuringIssueToken.during.requestsPerSecond} | ${http.getRoomDuringIssueToken.alone.p99Ms} / ${http.getRoomDuringIssueToken.during.p99Ms} (p99) | | |`,
  '',
  '| fan-out | deliveries/s | loss | p50 / p99 / max ms | CPU µs/delivery | RSS MB | baseline deliveries/s, loss, p99, µs | p99 ratio | CPU ratio |',
  '|---|---|---|---|---|---|---|---|---|',
  ...fanout.map(
    (f) =>
      `| ${f.watchers} × ${f.rate}/s | ${f.server.deliveriesPerSecond} | ${f.server.loss} | ${f.server.p50Ms?.toFixed(1)} / ${f.server.p99Ms?.toFixed(1)} / ${f.server.maxMs?.toFixed(1)} | ${f.server.cpuMicrosPerDelivery} | ${f.server.serverRssMb} | ${f.baseline.deliveriesPerSecond}, ${f.baseline.loss}, ${f.baseline.p99Ms?.toFixed(1)}, ${f.baseline.cpuMicrosPerDelivery} | ${f.p99Ratio} | ${f.cpuPerDeliveryRatio} |`,
  ),
  '',
  `Connections: ${connections.sockets} sockets in ${connections.connectMs} ms; server RSS ${connections.serverRssMbBefore} → ${connections.serverRssMbAfter} MB (${connections.rssKbPerConnection} KB each); one broadcast received by ${connections.broadcastReceivedBy}.`,
];
writeFileSync(`${root}bench/results/latest.md`, `${rows.join('\n')}\n`);
console.log(rows.join('\n'));
