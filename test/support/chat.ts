import { Ajv, type ValidateFunction } from 'ajv';
import { expect } from 'vitest';
import WebSocket from 'ws';
import type { ClientEvent, ServerEvent } from '../../generated/asyncapi.js';
import { configureAjv } from '../../src/contract/ajv.js';
import { loadAsyncApiDocument } from './asyncapi.js';

/**
 * Every frame the server sends in a test goes through `assertServerEvent`: it must be one of the
 * messages of asyncapi.yaml's `send` operations and match that message's payload schema.
 */
const serverEvents = await (async () => {
  const document = await loadAsyncApiDocument();
  const ajv = configureAjv(new Ajv({ strict: false, allErrors: true }));
  const validators = new Map<string, ValidateFunction>();
  for (const operation of document.operations().all().filter((op) => op.action() === 'send')) {
    for (const message of operation.messages().all()) {
      const schema = message.payload()!.json() as { properties: { event_type: { const: string } } };
      validators.set(schema.properties.event_type.const, ajv.compile(schema));
    }
  }
  return validators;
})();

export function assertServerEvent(event: unknown): asserts event is ServerEvent {
  const type = (event as { event_type?: string }).event_type ?? '';
  const validate = serverEvents.get(type);
  expect(validate, `server frame with unknown event_type: ${JSON.stringify(event)}`).toBeDefined();
  validate!(event);
  expect(validate!.errors, `server frame breaks asyncapi.yaml: ${JSON.stringify(event)}`).toBeNull();
}

export function wsUrl(httpUrl: string, room: string | number): string {
  return `${httpUrl.replace(/^http/, 'ws')}/chats/${encodeURIComponent(String(room))}/ws`;
}

/**
 * A `presence` frame as the events it stands for: one `join` or `leave` per change, as each would have
 * been told alone; any other event as it is.
 */
export function asEvents(event: ServerEvent): ServerEvent[] {
  if (event.event_type !== 'presence') return [event];
  return event.changes.map(({ event_type, name, color }) =>
    event_type === 'join'
      ? { event_type, name, color, msg: `${name} entered the room.`, time: event.time, room_id: event.room_id }
      : { event_type, name, color, msg: `${name} has left the room.`, time: event.time, room_id: event.room_id },
  );
}

/**
 * A real client socket that checks every frame it receives against asyncapi.yaml and records it twice:
 * as received (`frames`), and as what the room was told (`events`: a `presence` frame's arrivals and
 * departures one event each), which is what most tests ask about.
 */
export class TestSocket {
  readonly frames: ServerEvent[] = [];
  readonly events: ServerEvent[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      expect(isBinary, 'the server sends text frames').toBe(false);
      const event = JSON.parse(data.toString()) as unknown;
      assertServerEvent(event);
      this.frames.push(event);
      this.events.push(...asEvents(event));
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const wake of this.waiters.splice(0)) wake();
    }));
  }

  static open(url: string, options: { protocols?: string[]; headers?: Record<string, string> } = {}): Promise<TestSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers });
      const socket = new TestSocket(ws);
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(event: ClientEvent | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(event));
  }

  /** The first recorded event (from index `from` on) matching `predicate`, waiting for it up to `ms`. */
  async next<T extends ServerEvent = ServerEvent>(predicate: (e: ServerEvent) => boolean, ms = 3000, from = 0): Promise<T> {
    const until = Date.now() + ms;
    for (;;) {
      const found = this.events.slice(from).find(predicate);
      if (found) return found as T;
      if (this.ws.readyState === WebSocket.CLOSED || Date.now() > until) {
        throw new Error(`no matching event within ${ms} ms; got ${JSON.stringify(this.events.slice(-5))}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, until - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The next `error` event after the ones already seen. */
  async nextError(ms = 3000) {
    return this.next<Extract<ServerEvent, { event_type: 'error' }>>((e) => e.event_type === 'error', ms, this.events.length);
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }
}

/** An upgrade the server refuses: its HTTP status and JSON body. */
export function refusedUpgrade(url: string, options: { protocols?: string[]; headers?: Record<string, string> } = {}) {
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers });
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }));
    });
    ws.once('error', (err) => {
      if (!String(err.message).includes('Unexpected server response')) reject(err);
    });
  });
}

/**
 * A bare TCP client that completes the WebSocket handshake and then does only what a test says:
 * it never answers pings, and once paused it never reads, like a stalled or half-open peer.
 */
export async function rawSocket(url: string, frames: object[] = []) {
  const { connect } = await import('node:net');
  const { randomBytes } = await import('node:crypto');

  const target = new URL(url);
  const socket = connect(Number(target.port), target.hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(
    `GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const head = await new Promise<string>((resolve) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.includes('\r\n\r\n')) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
  });
  expect(head.startsWith('HTTP/1.1 101')).toBe(true);
  for (const frame of frames) socket.write(maskedTextFrame(JSON.stringify(frame)));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, closed };
}

/** A client text frame (clients must mask theirs), for payloads under 126 bytes. */
export function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length >= 126) throw new Error('maskedTextFrame: payload too long for a one-byte length');
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

/** The frames a server sent, as opcode and payload (server frames are never masked). */
export function parseServerFrames(bytes: Buffer): { opcode: number; payload: Buffer }[] {
  const frames: { opcode: number; payload: Buffer }[] = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at]! & 0x0f;
    let length = bytes[at + 1]! & 0x7f;
    let start = at + 2;
    if (length === 126) {
      length = bytes.readUInt16BE(at + 2);
      start = at + 4;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(at + 2));
      start = at + 10;
    }
    if (start + length > bytes.length) break;
    frames.push({ opcode, payload: bytes.subarray(start, start + length) });
    at = start + length;
  }
  return frames;
}
