// `make bench-instructions`: the instructions each HTTP stack of `make bench` spends on a request, counted
// by valgrind's callgrind, for getRoom, listRooms and createRoom. Load-test figures on a shared machine
// move by 15-40 % between runs, which cannot decide a target of a few per cent; these counts repeat within
// 0.5-3 % for the same code (and a change to the code can move V8's inlining, and the count, by 2-3 %
// either way), as long as nothing else runs beside them. Each server runs alone under callgrind with V8 on
// its main thread and its hash and random seeds fixed (so that it compiles and collects the same way each
// time), takes WARM requests on four keep-alive connections, then REQUESTS more while counting. What is
// counted is user-space work, V8's compiling and collecting included; the kernel's is not (every stack
// makes the same system calls for a request: one read, one writev; with the request log on, one write
// more). Instructions are not time: a stack that misses the cache more would be slower than its count
// says. Writes instructions.json and instructions.md
// to BENCH_OUT (bench/results), and on a full run into bench/results the README's table too.
// Knobs: INSTR_WARM (20000), INSTR_REQUESTS (5000), INSTR_ROUTES (getRoom,listRooms,createRoom),
// INSTR_STACKS (server,fastifyGlue,fastifyGlueOwnerTokens,baseline,serverInfoLog), BENCH_OUT.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, untilListening } from './ports.mjs';
import { replaceInReadme } from './readme.mjs';
import { shippedFlags } from './shipped-flags.mjs';

const env = process.env;
const root = new URL('..', import.meta.url);
const OUT = resolve(env.BENCH_OUT || new URL('bench/results', root).pathname);
const WARM = Number(env.INSTR_WARM || 20_000);
const REQUESTS = Number(env.INSTR_REQUESTS || 5_000);
const CONNECTIONS = 4;
/** V8 single-threaded and seeded: without the seeds, two runs of one server differ by up to 2 %. */
const DETERMINISTIC = ['--single-threaded', '--hash-seed=1', '--random-seed=1'];
// vgdb finds a valgrind process by a file named after the user and the host, read from these variables
// (HOST is also the address our server listens on); both sides must see the same values.
const VGDB_ENV = { USER: 'bench', LOGNAME: 'bench', HOST: '127.0.0.1' };

/**
 * On the reads, our server's young generation starts at the cap it ships with, which it reaches natively
 * under load and under valgrind did not; the peers are left to V8 (README, "Instructions a request").
 */
const shippedSemiSpace = shippedFlags(root).find((flag) => flag.startsWith('--max-semi-space-size='));
const grownYoungGeneration = (stack) => (STACKS[stack].ours && shippedSemiSpace ? [shippedSemiSpace.replace('--max-', '--min-')] : []);

const STACKS = {
  server: { args: () => [...shippedFlags(root), 'dist/src/main.js'], ours: true },
  // The same server writing its request line, as production runs it (the default level), to /dev/null:
  // what the line costs, which make bench reports in requests a second too.
  serverInfoLog: { args: () => [...shippedFlags(root), 'dist/src/main.js'], ours: true, env: { LOG_LEVEL: 'info' } },
  fastifyGlue: { args: (port) => ['bench/servers/fastify-glue.mjs', String(port)] },
  fastifyGlueOwnerTokens: { args: (port) => ['bench/servers/fastify-glue.mjs', String(port)], env: { OWNER_TOKENS: '1' } },
  baseline: { args: (port) => ['bench/servers/bare-http.mjs', String(port)] },
};
const ROUTES = [
  { name: 'getRoom', method: 'GET', path: '/chats/1', status: 200, stacks: ['server', 'fastifyGlue', 'baseline', 'serverInfoLog'], flags: grownYoungGeneration },
  { name: 'listRooms', method: 'GET', path: '/chats', status: 200, stacks: ['server', 'fastifyGlue', 'baseline'], flags: grownYoungGeneration },
  // Every room created is kept, so the old generation grows and is collected on V8's schedule of time and
  // heap growth, which moved this count by up to 45 % between runs of the same code. V8's predictable
  // schedule fixes it; it also sets every stack's young generation to 4 MB, as our server ships.
  { name: 'createRoom', method: 'POST', path: '/chats', status: 201, stacks: ['server', 'fastifyGlue', 'fastifyGlueOwnerTokens'], flags: () => ['--predictable-gc-schedule'] },
]
  .filter((route) => !env.INSTR_ROUTES || env.INSTR_ROUTES.split(',').includes(route.name))
  .map((route) => ({ ...route, stacks: route.stacks.filter((stack) => !env.INSTR_STACKS || env.INSTR_STACKS.split(',').includes(stack)) }));

// The server under valgrind dies with this script, however it ends.
let running = null;
process.once('exit', () => running?.kill('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(1));
const callgrindControl = (...args) => execFileSync('callgrind_control', args, { env: { ...env, ...VGDB_ENV }, stdio: 'ignore' });

let titles = 0;
function requestText(route) {
  if (route.method !== 'POST') return `${route.method} ${route.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
  const body = JSON.stringify({ title: `Counted room ${process.pid} ${++titles}`, visibility: 'public' });
  return `POST ${route.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/**
 * `warm` then `counted` requests on the same keep-alive connections, one at a time on each, calling
 * `warmed` in between (new connections would cost V8 a round of deoptimizing and compiling again, inside
 * the count). A response is read whole by its Content-Length (every stack sends one).
 */
function drive(port, route, warm, counted, warmed) {
  const count = warm + counted;
  let sent = 0;
  let answered = 0;
  let expected = 0;
  return new Promise((done, fail) => {
    let open = CONNECTIONS;
    for (let i = 0; i < CONNECTIONS; i++) {
      const socket = connect(port, '127.0.0.1');
      let pending = Buffer.alloc(0);
      const next = () => {
        if (sent === count) {
          socket.end();
          if (--open === 0) done(expected);
          return;
        }
        sent++;
        socket.write(requestText(route));
      };
      socket.on('connect', next);
      socket.on('error', fail);
      socket.on('data', (data) => {
        pending = Buffer.concat([pending, data]);
        for (;;) {
          const headEnd = pending.indexOf('\r\n\r\n');
          if (headEnd < 0) return;
          const head = pending.subarray(0, headEnd).toString('latin1');
          const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1]);
          if (!Number.isFinite(length)) return fail(new Error(`${route.name}: a response without Content-Length: ${head}`));
          if (pending.length < headEnd + 4 + length) return;
          if (Number(head.slice(9, 12)) === route.status) expected++;
          pending = pending.subarray(headEnd + 4 + length);
          if (++answered === warm) warmed();
          next();
        }
      });
    }
  }).then((ok) => {
    if (ok !== count) throw new Error(`${route.name}: ${count - ok} of ${count} answers were not ${route.status}`);
  });
}

/** Instructions a request for one stack on one route. */
async function count(stackName, route, dir) {
  const stack = STACKS[stackName];
  const port = await freePort();
  const out = join(dir, `${route.name}-${stackName}`);
  const child = spawn(
    'valgrind',
    ['--tool=callgrind', `--callgrind-out-file=${out}`, '--dump-instr=no', process.execPath, ...DETERMINISTIC, ...route.flags(stackName), ...stack.args(port)],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...env, ...VGDB_ENV, PORT: String(port), RATE_LIMIT: '0', MAX_CONNECTIONS_PER_ADDRESS: '0', LOG_LEVEL: 'warn', SECRET_KEY: 'bench-secret-key-0123456789abcdef', ...stack.env },
    },
  );
  running = child;
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await untilListening(port, child, `${stackName} under valgrind`, { withinMs: 300_000, everyMs: 500 });
    await drive(port, route, WARM, REQUESTS, () => callgrindControl('--zero', String(child.pid)));
    callgrindControl('--dump', String(child.pid));
  } catch (err) {
    throw new Error(`${stackName} on ${route.name}: ${err.message}\n${stderr}`);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  // The dump asked for is `<out>.1`; the one written at exit (`<out>`) counts the rest.
  const dump = readFileSync(`${out}.1`, 'utf8');
  const total = Number(/^(?:summary|totals): (\d+)/m.exec(dump)?.[1]);
  if (!Number.isFinite(total)) throw new Error(`${stackName} on ${route.name}: no totals in callgrind's dump`);
  const collections = collectionsIn(dump);
  return { instructions: Math.round(total / REQUESTS), collections: { young: collections.young, old: collections.old, instructions: Math.round(collections.instructions / REQUESTS) } };
}

/**
 * V8's collections inside the count, from the calls callgrind saw: young (scavenges), old (mark-compact),
 * and the instructions of all of them (Heap::CollectGarbage with what it calls), which do not repeat from
 * run to run under valgrind (README, "Instructions a request").
 */
function collectionsIn(dump) {
  const names = new Map();
  const found = { young: 0, old: 0, instructions: 0 };
  let callee = '';
  let collecting = false;
  for (const line of dump.split('\n')) {
    if (collecting) {
      // The line after a `calls=` line is the calls' inclusive cost: position(s), then the one event, Ir.
      found.instructions += Number(line.slice(line.lastIndexOf(' ') + 1));
      collecting = false;
      continue;
    }
    const named = /^c?fn=\((\d+)\)(?: (.*))?$/.exec(line);
    if (named) {
      if (named[2] !== undefined) names.set(named[1], named[2]);
      if (line.startsWith('cfn=')) callee = names.get(named[1]) ?? '';
      continue;
    }
    if (!line.startsWith('calls=')) continue;
    const times = Number(line.slice(6, line.indexOf(' ')));
    if (callee.includes('ScavengerCollector::CollectGarbage()')) found.young += times;
    else if (callee.includes('MarkCompactCollector::CollectGarbage()')) found.old += times;
    // A call from within a collection (callgrind names the recursion `...'2`) is counted in the outer one.
    else if (callee.startsWith('v8::internal::Heap::CollectGarbage(') && !/'\d+$/.test(callee)) collecting = true;
  }
  return found;
}

/**
 * Whether V8's collections took a count over: an old-generation collection in the window, or a fifth of
 * the count in collections. Such a count is taken again, once (README, "Instructions a request"). Not in
 * a count of under a thousand requests, where one scavenge is a large share of any count.
 */
const overrun = ({ instructions, collections: { old, instructions: collecting } }) => REQUESTS >= 1000 && (old > 0 || collecting * 5 > instructions);

/** A count, and when V8's collections took it over, a second one: the lower is kept, the other reported beside it. */
async function settledCount(stack, route, dir) {
  const report = (counted) => {
    const { young, old, instructions } = counted.collections;
    console.error(`instructions: ${route.name} ${stack} ${counted.instructions} (${instructions} in collections: young ${young}, old ${old})`);
    return counted;
  };
  const first = report(await count(stack, route, dir));
  if (!overrun(first)) return first;
  console.error(`instructions: ${route.name} ${stack}: collections took the count over; counting again`);
  const second = report(await count(stack, route, dir));
  const [kept, other] = second.instructions < first.instructions ? [second, first] : [first, second];
  return { ...kept, alsoCounted: other.instructions };
}

const dir = mkdtempSync(join(tmpdir(), 'chitchat-instructions-'));
const results = {};
const collections = {};
const recounted = {};
try {
  for (const route of ROUTES) {
    results[route.name] = {};
    collections[route.name] = {};
    for (const stack of route.stacks) {
      const counted = await settledCount(stack, route, dir);
      results[route.name][stack] = counted.instructions;
      collections[route.name][stack] = counted.collections;
      if (counted.alsoCounted !== undefined) (recounted[route.name] ??= {})[stack] = counted.alsoCounted;
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const LABELS = { server: 'ours', serverInfoLog: 'ours, request log on (LOG_LEVEL=info)', fastifyGlue: 'fastify + openapi-glue', fastifyGlueOwnerTokens: 'fastify + openapi-glue signing the owner token', baseline: 'bare node:http' };
const lines = [
  `Instructions a request (callgrind, ${REQUESTS} requests after ${WARM}; our server with ${shippedFlags(root).join(' ')}; every stack with ${DETERMINISTIC.join(' ')}; on getRoom and listRooms ours also ${grownYoungGeneration('server').join(' ') || 'nothing'}; on createRoom every stack also --predictable-gc-schedule)`,
  '',
  '| route | stack | instructions a request | ours / this stack | of them in V8\'s collections (young, old counted) | without collections | ours / this stack, without |',
  '|---|---|---|---|---|---|---|',
];
for (const [route, byStack] of Object.entries(results)) {
  const without = (stack) => (byStack[stack] === undefined ? undefined : byStack[stack] - collections[route][stack].instructions);
  for (const [stack, instructions] of Object.entries(byStack)) {
    const { young, old, instructions: collecting } = collections[route][stack];
    // No ratio on our own row, nor on a run without our server (INSTR_STACKS).
    const ratio = (a, b) => (stack === 'server' || a === undefined ? '' : (a / b).toFixed(3));
    lines.push(
      `| ${route} | ${LABELS[stack]} | ${instructions.toLocaleString('en')} | ${ratio(byStack.server, instructions)} | ${collecting.toLocaleString('en')} (${young}, ${old}) | ${without(stack).toLocaleString('en')} | ${ratio(without('server'), without(stack))} |`,
    );
  }
}
const again = Object.entries(recounted).flatMap(([route, byStack]) =>
  Object.entries(byStack).map(([stack, other]) => `${route} on ${LABELS[stack]} (the other count: ${other.toLocaleString('en')})`),
);
if (again.length) lines.push('', `Counted twice, V8's collections having taken a count over, and the lower kept: ${again.join('; ')}.`);
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'instructions.json'), `${JSON.stringify({ date: new Date().toISOString(), node: process.version, warm: WARM, requests: REQUESTS, flags: DETERMINISTIC, results, collections, recounted }, null, 2)}\n`);
writeFileSync(join(OUT, 'instructions.md'), `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
// Only a full run into bench/results is the README's table.
const knobs = ['INSTR_WARM', 'INSTR_REQUESTS', 'INSTR_ROUTES', 'INSTR_STACKS'].filter((knob) => env[knob]);
if (!knobs.length && OUT === resolve(new URL('bench/results', root).pathname)) {
  if (!replaceInReadme(new URL('README.md', root).pathname, 'bench-instructions', lines.join('\n'))) console.error('README.md has no bench-instructions markers; not updated');
}
