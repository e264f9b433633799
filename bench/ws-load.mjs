// WebSocket load generator, in its own process: `watchers` sockets in one room and one publisher
// sending timestamped messages at `rate` per second for `seconds`; prints one JSON line of results.
// Usage: node ws-load.mjs <ws-url> <watchers> <rate> <seconds>
import WebSocket from 'ws';

const [url, watchersArg, rateArg, secondsArg] = process.argv.slice(2);
const watchers = Number(watchersArg);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const latencies = [];
let deliveries = 0;

function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const connectStart = performance.now();
const sockets = [];
for (let i = 0; i < watchers; i += 200) {
  const batch = await Promise.all(Array.from({ length: Math.min(200, watchers - i) }, open));
  sockets.push(...batch);
}
const connectMs = performance.now() - connectStart;
for (const ws of sockets) {
  ws.on('message', (data) => {
    const text = data.toString();
    const at = text.indexOf('"msg":"t');
    if (at < 0) return;
    const sent = Number(text.slice(at + 8, text.indexOf('"', at + 8)));
    latencies.push(performance.timeOrigin + performance.now() - sent);
    deliveries++;
  });
}
const publisher = await open();
publisher.send(JSON.stringify({ event_type: 'join', name: 'publisher' }));
await new Promise((r) => setTimeout(r, 200));

const total = Math.round(rate * seconds);
const start = performance.now();
for (let i = 0; i < total; i++) {
  const due = start + (i * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  publisher.send(JSON.stringify({ event_type: 'send', name: 'publisher', msg: `t${performance.timeOrigin + performance.now()}` }));
}
const sendMs = performance.now() - start;
await new Promise((r) => setTimeout(r, 2000)); // drain
latencies.sort((a, b) => a - b);
const pick = (q) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : null);
const expected = total * watchers;
console.log(
  JSON.stringify({
    watchers,
    rate,
    seconds,
    connectMs: Math.round(connectMs),
    expected,
    deliveries,
    loss: expected - deliveries,
    deliveriesPerSecond: Math.round(deliveries / (sendMs / 1000)),
    p50Ms: pick(0.5),
    p99Ms: pick(0.99),
    maxMs: latencies.at(-1) ?? null,
  }),
);
for (const ws of [...sockets, publisher]) ws.terminate();
process.exit(0);
