// `node bench/in-process.mjs <path> [METHOD] [body]`: what one route costs in our own code, with no socket.
// The built server's request listener (createChitChat, embedded store) is called in a loop with a request
// stream and a response that only records what it is given, so Node's HTTP and the kernel are left out and
// the figures hold still on a busy machine, where load-test CPU figures move by 15 % between runs. For
// finding where the time goes, run it under `node --cpu-prof`; it is not a measure of the server
// (`make bench` is). `$N` in the body becomes a number of its own per request (titles must be unique).
// Five rounds of ROUNDS_OF requests (100,000); each prints CPU ns a request. Not part of `make test`.
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';

const [path = '/chats/1', method = 'GET', bodyTemplate] = process.argv.slice(2);
const REQUESTS = Number(process.env.ROUNDS_OF || 100_000);
const dist = new URL('../dist/src/', import.meta.url);
const { loadConfig } = await import(new URL('config.js', dist).href);
const { createChitChat } = await import(new URL('chitchat.js', dist).href);

const config = loadConfig({ ...process.env, RATE_LIMIT: '0', MAX_CONNECTIONS_PER_ADDRESS: '0', LOG_LEVEL: 'warn', SECRET_KEY: 'in-process-secret-0123456789abcdef' });
const chitchat = await createChitChat(config);
await chitchat.ready;

const statuses = new Map();
/** What the handlers call on a ServerResponse, recorded and dropped. */
class RecordingResponse extends EventEmitter {
  headersSent = false;
  writableFinished = false;
  statusCode = 200;
  headers = {};
  setHeader(name, value) {
    this.headers[name.toLowerCase()] = value;
  }
  getHeader(name) {
    return this.headers[name.toLowerCase()];
  }
  writeHead(status) {
    this.statusCode = status;
    this.headersSent = true;
    return this;
  }
  end() {
    this.writableFinished = true;
    statuses.set(this.statusCode, (statuses.get(this.statusCode) ?? 0) + 1);
    this.emit('close');
  }
}

const socket = { remoteAddress: '127.0.0.1' };
const baseHeaders = { host: '127.0.0.1', accept: '*/*' };
let n = 0;
function request() {
  let req;
  if (bodyTemplate === undefined) {
    req = new EventEmitter();
    req.headers = baseHeaders;
  } else {
    const body = bodyTemplate.replaceAll('$N', String(++n));
    req = new Readable({ read() {} });
    req.push(body);
    req.push(null);
    // Written out, not spread: on Node 20 the spread cost this tool 4-5 µs a request (README).
    req.headers = { host: baseHeaders.host, accept: baseHeaders.accept, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  }
  req.method = method;
  req.url = path;
  req.socket = socket;
  chitchat.handler(req, new RecordingResponse());
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
for (let round = 1; round <= 5; round++) {
  const before = process.cpuUsage();
  for (let i = 1; i <= REQUESTS; i++) {
    request();
    // Let bodies be read and promises settle, a hundred requests at a time.
    if (i % 100 === 0) await turn();
  }
  await turn();
  const used = process.cpuUsage(before);
  console.log(`round ${round}: ${Math.round(((used.user + used.system) * 1000) / REQUESTS)} CPU ns a request`);
}
console.log('statuses:', Object.fromEntries(statuses));
await chitchat.close();
