import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unwrap, type ChitChatClient } from '@chitchat/client';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestSocket, wsUrl } from '../support/chat.js';

let server: TestServer;
let api: ChitChatClient;
beforeAll(async () => {
  server = await startTestServer({ chat: { maxFrameBytes: 16384, ratePerSecond: 1000, rateBurst: 1000, pingIntervalMs: 30_000, maxBufferedBytes: 1 << 20 } });
  api = server.client();
});
afterAll(() => server.close());

async function chatter(roomId: number, name: string, token?: string) {
  const socket = await TestSocket.open(wsUrl(server.url, roomId), token ? { protocols: [token] } : {});
  socket.send({ event_type: 'join', name });
  await socket.next((e) => e.event_type === 'join' && e.name === name);
  return socket;
}

describe('chat history', () => {
  it('stores every send before broadcasting it, with its seq, and pages it newest first', async () => {
    const room = await api.createRoom({ title: 'Historic', visibility: 'public' });
    const socket = await chatter(room.id, 'scribe');
    for (let i = 1; i <= 7; i++) socket.send({ event_type: 'send', name: 'scribe', msg: `line ${i}`, color: i % 2 ? 'red' : 'blue' });
    const last = await socket.next((e) => e.event_type === 'send' && e.msg === 'line 7');
    expect(last).toMatchObject({ seq: 7 });
    const broadcast = socket.events.filter((e) => e.event_type === 'send');
    expect(broadcast.map((e) => e.event_type === 'send' && e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    const path = { roomId: String(room.id) };
    const first = unwrap(await api.GET('/chats/{roomId}/messages', { params: { path, query: { limit: 3 } } }));
    expect(first.messages.map((m) => m.msg)).toEqual(['line 7', 'line 6', 'line 5']);
    expect(first.messages[0]).toEqual({ seq: 7, room_id: room.id, name: 'scribe', color: 'red', msg: 'line 7', time: (last as { time: string }).time });
    const all = [...first.messages];
    let cursor = first.next_cursor;
    while (cursor) {
      const page = unwrap(await api.GET('/chats/{roomId}/messages', { params: { path, query: { limit: 3, cursor } } }));
      all.push(...page.messages);
      cursor = page.next_cursor;
    }
    expect(all.map((m) => m.seq)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    await socket.close();
  });

  it('keeps private history behind the room token, and deletes it with the room', async () => {
    const room = await api.createRoom({ title: 'Secret history', visibility: 'private', password: 'history password' });
    const owner = server.client();
    const token = (await owner.authorize(room.id, 'history password', 'keeper'))!.token;
    const socket = await chatter(room.id, 'keeper', token);
    socket.send({ event_type: 'send', name: 'keeper', msg: 'for members only' });
    await socket.next((e) => e.event_type === 'send');

    const path = { roomId: String(room.id) };
    const denied = await server.client().GET('/chats/{roomId}/messages', { params: { path } });
    expect(denied.response.status).toBe(403);
    expect(unwrap(await owner.GET('/chats/{roomId}/messages', { params: { path } })).messages.map((m) => m.msg)).toEqual(['for members only']);

    unwrap(await owner.DELETE('/chats/{roomId}', { params: { path } }));
    expect((await socket.closed).code).toBe(4404);
    expect((await owner.GET('/chats/{roomId}/messages', { params: { path } })).response.status).toBe(404);
  });

  it('answers an empty history with no messages and no cursor, and refuses bad cursors', async () => {
    const room = await api.createRoom({ title: 'Quiet', visibility: 'public' });
    expect(unwrap(await api.GET('/chats/{roomId}/messages', { params: { path: { roomId: String(room.id) } } }))).toEqual({ messages: [], next_cursor: null });
    const bad = await server.request('GET', `/chats/${room.id}/messages?cursor=-1`);
    expect(bad.status).toBe(400);
  });
});
