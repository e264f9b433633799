// `make soak`: the built server under a bounded mix of chat, REST, floods and reconnects for
// SOAK_SECONDS (600), then SOAK_QUIET_SECONDS (60) without load. The server's RSS is sampled every
// second; the report gives it at the start, at the peak, when the load stops and at the end, and the
// slope of the last half of the quiet phase, which must be flat. Outside `make test`: it takes eleven minutes.
// Every loop below is bounded in count and in time; everything listens on loopback.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import WebSocket from 'ws';

const env = process.env;
const LOAD_SECONDS = Number(env.SOAK_SECONDS || 600);
const QUIET_SECONDS = Number(env.SOAK_QUIET_SECONDS || 60);
const ROOMS = 5;
const CHATTERS = 50;
const CHAT_RATE = 2; // messages per second per chatter, under the default limit of 10
const RECONNECTERS = 20;
const REST_WORKERS = 4;
const FLOOD_EVERY_MS = 10_000;
const FLOOD_FRAMES = 5000;
/** RSS at the end of the quiet phase may exceed its level when the load stopped by this much at most. */
const FLAT = { slopeMbPerMin: 1, overStopPercent: 10 };
const root = new URL('..', import.meta.url).pathname;
const OUT = resolve(env.SOAK_OUT || resolve(root, 'bench/results'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const freePort = () =>
  new Promise((resolvePort) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });

const rssMb = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const errors = [];
// The load comes from one address: the per-address limits, made for many clients, are off; the chat's are on.
const server = spawn(process.execPath, ['dist/src/main.js'], {
  cwd: root,
  env: { ...env, HOST: '127.0.0.1', PORT: String(port), RATE_LIMIT: '0', MAX_CONNECTIONS_PER_ADDRESS: '0', TOKEN_ATTEMPTS_PER_ROOM: '0', LOG_LEVEL: 'warn', SECRET_KEY: 'soak-secret-key-0123456789abcdef' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
server.stdout.on('data', (chunk) => {
  for (const line of chunk.toString().split('\n').filter(Boolean)) if (/"level":(50|60)/.test(line)) errors.push(line);
});
const exited = new Promise((r) => server.once('exit', r));
for (let i = 0; i < 100; i++) {
  if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) break;
  await sleep(100);
}

const samples = [];
const sampler = setInterval(() => samples.push({ t: performance.now(), rss: rssMb(server.pid) }), 1000);
const started = performance.now();
samples.push({ t: started, rss: rssMb(server.pid) });
let stopping = false;
const counts = { sent: 0, delivered: 0, rest: 0, restFailed: 0, floods: 0, floodsClosed: 0, reconnects: 0 };

async function json(method, path, body, headers = {}) {
  const response = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: body && JSON.stringify(body) });
  const text = await response.text();
  counts.rest++;
  if (response.status >= 500) counts.restFailed++;
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

function open(roomId) {
  return new Promise((resolveSocket, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/chats/${roomId}/ws`);
    ws.once('open', () => resolveSocket(ws));
    ws.once('error', reject);
  });
}

const rooms = [];
for (let i = 0; i < ROOMS; i++) rooms.push((await json('POST', '/chats', { title: `Soak ${i} ${Date.now()}`, visibility: 'public' })).body);

async function chatter(i) {
  const room = rooms[i % ROOMS];
  const ws = await open(room.id);
  ws.on('message', () => counts.delivered++);
  ws.send(JSON.stringify({ event_type: 'join', name: `chatter ${i}` }));
  while (!stopping) {
    ws.send(JSON.stringify({ event_type: 'send', name: `chatter ${i}`, msg: `message ${counts.sent++}` }));
    await sleep(1000 / CHAT_RATE);
  }
  ws.close();
}

async function reconnecter(i) {
  while (!stopping) {
    const ws = await open(rooms[i % ROOMS].id).catch(() => null);
    if (ws) {
      ws.send(JSON.stringify({ event_type: 'join', name: `again ${i}` }));
      await sleep(500);
      ws.close();
      counts.reconnects++;
    }
    await sleep(250);
  }
}

async function restWorker(i) {
  for (let n = 0; !stopping; n++) {
    const created = await json('POST', '/chats', { title: `Soak rest ${i} ${n} ${Date.now()}`, visibility: n % 2 ? 'public' : 'private', ...(n % 2 ? {} : { password: 'soak password' }) });
    if (created.status !== 201) continue;
    const { id, owner_token: owner } = created.body;
    await json('GET', `/chats/${id}`);
    await json('GET', '/chats?limit=20');
    if (n % 2 === 0) await json('POST', `/chats/${id}/token`, { secret: 'soak password', name: 'soaker' });
    await json('PUT', `/chats/${id}`, { title: `Soak rest ${i} ${n} renamed ${Date.now()}`, visibility: 'public' }, { authorization: `Bearer ${owner}` });
    await json('GET', `/chats/${rooms[0].id}/messages?limit=50`);
    await json('DELETE', `/chats/${id}`, undefined, { authorization: `Bearer ${owner}` });
  }
}

async function flooder() {
  while (!stopping) {
    await sleep(FLOOD_EVERY_MS);
    if (stopping) break;
    const ws = await open(rooms[0].id).catch(() => null);
    if (!ws) continue;
    counts.floods++;
    const closed = new Promise((r) => ws.once('close', (code) => r(code)));
    ws.send(JSON.stringify({ event_type: 'join', name: `flooder ${counts.floods}` }));
    for (let i = 0; i < FLOOD_FRAMES && ws.readyState === WebSocket.OPEN; i++) ws.send(JSON.stringify({ event_type: 'send', name: `flooder ${counts.floods}`, msg: 'spam' }));
    const code = await Promise.race([closed, sleep(10_000).then(() => null)]);
    if (code === 1008) counts.floodsClosed++;
    ws.terminate();
  }
}

const load = [
  ...Array.from({ length: CHATTERS }, (_, i) => chatter(i)),
  ...Array.from({ length: RECONNECTERS }, (_, i) => reconnecter(i)),
  ...Array.from({ length: REST_WORKERS }, (_, i) => restWorker(i)),
  flooder(),
].map((p) => p.catch((err) => errors.push(`load: ${err.message}`)));
await sleep(LOAD_SECONDS * 1000);
stopping = true;
await Promise.all(load);
const stoppedAt = performance.now();
const atStop = rssMb(server.pid);
await sleep(QUIET_SECONDS * 1000);
clearInterval(sampler);
const end = rssMb(server.pid);
server.kill('SIGTERM');
await exited;

// The slope of the second half of the quiet phase, by least squares, in MB a minute.
const tail = samples.filter((s) => s.t >= stoppedAt + (QUIET_SECONDS * 1000) / 2);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const tMean = mean(tail.map((s) => s.t));
const rMean = mean(tail.map((s) => s.rss));
const slope = (tail.reduce((a, s) => a + (s.t - tMean) * (s.rss - rMean), 0) / tail.reduce((a, s) => a + (s.t - tMean) ** 2, 0)) * 60_000;
const report = {
  date: new Date().toISOString(),
  node: process.version,
  loadSeconds: LOAD_SECONDS,
  quietSeconds: QUIET_SECONDS,
  mix: { rooms: ROOMS, chatters: CHATTERS, chatRatePerSecond: CHAT_RATE, reconnecters: RECONNECTERS, restWorkers: REST_WORKERS, floodEveryMs: FLOOD_EVERY_MS, floodFrames: FLOOD_FRAMES },
  counts,
  rssMb: { start: +samples[0].rss.toFixed(1), peak: +Math.max(...samples.map((s) => s.rss)).toFixed(1), atStop: +atStop.toFixed(1), end: +end.toFixed(1) },
  quietSlopeMbPerMin: +slope.toFixed(2),
  serverErrors: errors.slice(0, 20),
};
const flat = Math.abs(slope) <= FLAT.slopeMbPerMin && end <= atStop * (1 + FLAT.overStopPercent / 100);
const floodsHandled = counts.floods > 0 && counts.floodsClosed === counts.floods;
report.verdict = { flat, floodsHandled, noServerErrors: errors.length === 0, noRestFailures: counts.restFailed === 0 };
mkdirSync(OUT, { recursive: true });
writeFileSync(resolve(OUT, 'soak-latest.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
process.exit(Object.values(report.verdict).every(Boolean) ? 0 : 1);
