// WebSocket load generator, in its own process: `watchers` sockets in one room and one publisher
// sending timestamped messages at `rate` per second for `seconds`.
// Protocol with bench/run.mjs, so that it can measure the server over the sending window only:
//   1. opens every socket (in batches) and has the publisher join; once every watcher has seen that join
//      it prints {"phase":"ready",...} on stdout;
//   2. waits for the line "go" on stdin (exits if stdin closes first: the harness is gone);
//   3. sends, drains, prints one JSON line of results and exits.
// Usage: node ws-load.mjs <ws-url>[,<ws-url>...] <watchers> <rate> <seconds>
// With several URLs (instances of one service) the watchers are spread over them in turn and the
// publisher uses the first. Where frames carry `seq`, each watcher checks that they arrive in order.
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

const [urlsArg, watchersArg, rateArg, secondsArg] = process.argv.slice(2);
const urls = urlsArg.split(',');
const watchers = Number(watchersArg);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
// Unique per run: a server kept up between runs may still be seeing off the last run's publisher.
const name = `publisher-${process.pid}`;
const BATCH = 200;
const JOIN_WAIT_MS = 15_000;
const DRAIN_QUIET_MS = 1_000; // drain ends when nothing more arrived for this long...
const DRAIN_MAX_MS = 10_000; // ...or after this long, whatever is still missing counts as lost

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();
const latencies = [];
let deliveries = 0;
let lastDeliveryAt = 0;
let joinedBy = 0;
let outOfOrder = 0; // a message whose seq is not one more than the last one this watcher saw

let started = false;
const stdin = createInterface({ input: process.stdin });
stdin.on('close', () => started || process.exit(1)); // the harness went away before "go"
const go = new Promise((resolve) => stdin.on('line', (line) => line.trim() === 'go' && resolve((started = true))));

function open(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function watch(ws) {
  let lastSeq = 0;
  ws.on('message', (data) => {
    const text = data.toString();
    const at = text.indexOf('"msg":"t');
    if (at < 0) {
      if (text.includes('"event_type":"join"') && text.includes(name)) joinedBy++;
      return;
    }
    const received = now();
    const seqAt = text.indexOf('"seq":');
    if (seqAt >= 0) {
      const seq = parseInt(text.slice(seqAt + 6), 10);
      if (lastSeq && seq !== lastSeq + 1) outOfOrder++;
      lastSeq = seq;
    }
    latencies.push(received - Number(text.slice(at + 8, text.indexOf('"', at + 8))));
    lastDeliveryAt = received;
    deliveries++;
  });
}

const connectStart = performance.now();
const sockets = [];
for (let i = 0; i < watchers; i += BATCH) {
  const batch = await Promise.all(Array.from({ length: Math.min(BATCH, watchers - i) }, (_, j) => open(urls[(i + j) % urls.length])));
  for (const ws of batch) watch(ws);
  sockets.push(...batch);
}
const connectMs = performance.now() - connectStart;
const publisher = await open(urls[0]);
publisher.send(JSON.stringify({ event_type: 'join', name }));
// Every watcher seeing the publisher's join means every socket is in the room's fan-out.
for (const until = performance.now() + JOIN_WAIT_MS; joinedBy < watchers && performance.now() < until; ) await sleep(10);
console.log(JSON.stringify({ phase: 'ready', connectMs: Math.round(connectMs), joinedBy }));

await go;
const cpuStart = process.cpuUsage();
const total = Math.round(rate * seconds);
const expected = total * watchers;
const start = performance.now();
let sendLagMaxMs = 0; // how late the publisher sent against its schedule: a busy load generator shows here
for (let i = 0; i < total; i++) {
  const due = start + (i * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 1) await sleep(wait);
  sendLagMaxMs = Math.max(sendLagMaxMs, performance.now() - due);
  publisher.send(JSON.stringify({ event_type: 'send', name, msg: `t${now()}` }));
}
const sendMs = performance.now() - start;

const drainStart = performance.now();
while (deliveries < expected && performance.now() - drainStart < DRAIN_MAX_MS) {
  if (now() - Math.max(lastDeliveryAt, performance.timeOrigin + drainStart) > DRAIN_QUIET_MS) break;
  await sleep(50);
}
const windowMs = performance.now() - start;
const cpu = process.cpuUsage(cpuStart);

latencies.sort((a, b) => a - b);
const round = (x) => (x == null ? null : +x.toFixed(2));
const pick = (q) => round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]);
// Over the longer of the send window and the time to the last delivery: a server that falls behind
// delivers everything eventually, but not at the offered rate.
const deliverySeconds = Math.max(seconds, (lastDeliveryAt - (performance.timeOrigin + start)) / 1000);
console.log(
  JSON.stringify({
    watchers,
    rate,
    seconds,
    connectMs: Math.round(connectMs),
    joinedBy,
    sent: total,
    sendMs: Math.round(sendMs),
    sendLagMaxMs: round(sendLagMaxMs),
    expected,
    deliveries,
    loss: expected - deliveries,
    outOfOrder,
    deliveriesPerSecond: deliveries ? Math.round(deliveries / deliverySeconds) : 0,
    p50Ms: pick(0.5),
    p99Ms: pick(0.99),
    maxMs: round(latencies.at(-1)),
    drainMs: Math.round(performance.now() - drainStart),
    windowMs: Math.round(windowMs),
    loadCpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    loadCpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / windowMs) * 100),
  }),
);
for (const ws of [...sockets, publisher]) ws.terminate();
process.exit(0);
