import { describe, expect, it } from 'vitest';
import { MemoryMessageStore } from '../../src/store/memory-messages.js';
import { MemoryRoomStore } from '../../src/store/memory.js';
import { TestSocket, wsUrl } from '../support/chat.js';
import { errorOf, startTestServer, type TestConfig } from '../support/server.js';

/** A store that stops answering on request, as a database does when it stalls. */
function stalling<T extends object>(store: T, methods: (keyof T)[]) {
  const released: (() => void)[] = [];
  let stalled = false;
  for (const method of methods) {
    const original = (store[method] as (...args: unknown[]) => Promise<unknown>).bind(store);
    (store as Record<keyof T, unknown>)[method] = async (...args: unknown[]) => {
      if (stalled) await new Promise<void>((resolve) => released.push(resolve));
      return original(...args);
    };
  }
  return {
    store,
    stall: () => void (stalled = true),
    release() {
      stalled = false;
      for (const resolve of released.splice(0)) resolve();
    },
  };
}

const send = (msg: string) => ({ event_type: 'send', name: 'flood', msg });

async function joinedAs(url: string, roomId: number, name: string) {
  const socket = await TestSocket.open(wsUrl(url, roomId));
  socket.send({ event_type: 'join', name });
  await socket.next((e) => e.event_type === 'join' && e.name === name);
  return socket;
}

describe('a flooding socket', () => {
  it('is closed with 1008 after the flood limit of refusals, and the room goes on for the others', async () => {
    const limits: TestConfig = { chat: { ratePerSecond: 5, rateBurst: 5, floodRefusals: 20, floodWindowMs: 10_000 } };
    const server = await startTestServer(limits);
    try {
      const room = await server.client().createRoom({ title: 'Flooded', visibility: 'public' });
      const bystander = await joinedAs(server.url, room.id, 'calm');
      const flooder = await joinedAs(server.url, room.id, 'flood');
      await bystander.next((e) => e.event_type === 'join' && e.name === 'flood');
      for (let i = 0; i < 2000; i++) flooder.send(send(`spam ${i}`));
      expect(await flooder.closed).toEqual({ code: 1008, reason: 'Too many refused frames' });
      const refusals = flooder.events.filter((e) => e.event_type === 'error');
      // What the burst allowed went through; after it, one refusal each up to the limit, then the close.
      expect(refusals.length).toBeLessThanOrEqual(20);
      expect(refusals.every((e) => e.event_type === 'error' && e.error.code === 605)).toBe(true);
      await bystander.next((e) => e.event_type === 'leave' && e.name === 'flood');
      bystander.send({ event_type: 'send', name: 'calm', msg: 'still here' });
      await bystander.next((e) => e.event_type === 'send' && e.msg === 'still here');
      const delivered = bystander.events.filter((e) => e.event_type === 'send' && e.name === 'flood');
      expect(delivered.length).toBeLessThanOrEqual(5);
      await bystander.close();
    } finally {
      await server.close();
    }
  });

  it('refuses frames beyond the pending cap at once while the store is stalled, and delivers the rest once it is back', async () => {
    const messages = stalling(new MemoryMessageStore(), ['append']);
    const limits: TestConfig = { storeTimeoutMs: 0, chat: { ratePerSecond: 10_000, rateBurst: 10_000, maxPendingFrames: 8, floodRefusals: 100_000 } };
    const server = await startTestServer(limits, { engines: { rooms: new MemoryRoomStore(), messages: messages.store } });
    try {
      const room = await server.client().createRoom({ title: 'Stalled', visibility: 'public' });
      const sender = await joinedAs(server.url, room.id, 'flood');
      messages.stall();
      for (let i = 0; i < 500; i++) sender.send(send(`queued ${i}`));
      // Every frame past the eight waiting ones is refused while the store still holds those eight.
      await sender.next(() => sender.events.filter((e) => e.event_type === 'error').length === 492, 5000);
      expect(sender.events.filter((e) => e.event_type === 'send')).toEqual([]);
      messages.release();
      await sender.next(() => sender.events.filter((e) => e.event_type === 'send').length === 8);
      const sent = sender.events.flatMap((e) => (e.event_type === 'send' ? [e.msg] : []));
      expect(sent).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => `queued ${i}`));
      await sender.close();
    } finally {
      await server.close();
    }
  });
});

describe('a stalled store', () => {
  it('answers REST with 503 (701) at the store deadline, and chat frames with error 701, then recovers', async () => {
    const rooms = stalling(new MemoryRoomStore(), ['get', 'getByTitleKey', 'listVisible', 'create', 'ping']);
    const messages = stalling(new MemoryMessageStore(), ['append']);
    const server = await startTestServer({ storeTimeoutMs: 300 }, { engines: { rooms: rooms.store, messages: messages.store } });
    try {
      const room = await server.client().createRoom({ title: 'Deadline', visibility: 'public' });
      const sender = await joinedAs(server.url, room.id, 'ann');
      rooms.stall();
      messages.stall();
      for (const [method, path] of [['GET', `/chats/${room.id}`], ['GET', '/chats'], ['GET', '/health']]) {
        const response = await server.request(method!, path!);
        expect([path, response.status, (await errorOf(response)).code]).toEqual([path, 503, 701]);
      }
      const created = await server.request('POST', '/chats', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Later', visibility: 'public' }) });
      expect(created.status).toBe(503);
      sender.send({ event_type: 'send', name: 'ann', msg: 'into the void' });
      expect((await sender.nextError()).error.code).toBe(701);

      rooms.release();
      messages.release();
      expect((await server.request('GET', `/chats/${room.id}`)).status).toBe(200);
      sender.send({ event_type: 'send', name: 'ann', msg: 'back' });
      await sender.next((e) => e.event_type === 'send' && e.msg === 'back');
      await sender.close();
    } finally {
      await server.close();
    }
  });
});

describe('a join storm', () => {
  it('tells a room of 2,000 arrivals in a bounded number of frames, each joiner among them', async () => {
    const server = await startTestServer({ maxConnectionsPerAddress: 0, chat: { presenceBatchMs: 100 } });
    const N = 2000;
    try {
      const room = await server.client().createRoom({ title: 'Storm', visibility: 'public' });
      const watcher = await joinedAs(server.url, room.id, 'watcher');
      const sockets: TestSocket[] = [];
      for (let i = 0; i < N; i += 250) sockets.push(...(await Promise.all(Array.from({ length: 250 }, () => TestSocket.open(wsUrl(server.url, room.id))))));
      sockets.forEach((socket, i) => socket.send({ event_type: 'join', name: `storm ${i}` }));
      // Each joiner hears of its own arrival, alone (`join`) or in a batch (`presence`; the test socket reads both as joins).
      await Promise.all(sockets.map((socket, i) => socket.next((e) => e.event_type === 'join' && e.name === `storm ${i}`, 30_000)));
      const arrived = () => new Set(watcher.events.flatMap((e) => (e.event_type === 'join' && e.name.startsWith('storm ') ? [e.name] : []))).size;
      await watcher.next(() => arrived() === N, 30_000);
      // One frame per window, not one per arrival: the room heard of 2,000 arrivals in far fewer frames.
      const presenceFrames = watcher.frames.filter((f) => f.event_type === 'join' || f.event_type === 'presence');
      expect(presenceFrames.length).toBeLessThan(N / 10);
      expect(presenceFrames.some((f) => f.event_type === 'presence' && f.changes.length > 1)).toBe(true);
      // Everyone's frames together: about one per arrival per window, not N² / 2 (two million).
      const total = sockets.reduce((sum, socket) => sum + socket.frames.length, watcher.frames.length);
      expect(total).toBeLessThan(N * 50);
      await Promise.all(sockets.map((socket) => socket.close()));
      // The departures come in batches too.
      await watcher.next(() => watcher.events.filter((e) => e.event_type === 'leave').length === N, 30_000);
      expect(watcher.frames.filter((f) => f.event_type === 'leave' || f.event_type === 'presence').length).toBeLessThan(N / 5);
    } finally {
      await server.close();
    }
  }, 120_000);
});
