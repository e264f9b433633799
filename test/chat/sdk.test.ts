import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatConnection, ChatRefusedError, type ChitChatClient, type ServerEvent, type WebSocketConstructor } from '@chitchat/client';
import { assertServerEvent } from '../support/chat.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let api: ChitChatClient;
// The ws package's WebSocket fits the SDK's interface as it is: no cast.
const NodeWebSocket: WebSocketConstructor = WebSocket;

beforeAll(async () => {
  server = await startTestServer();
  api = server.client();
});
afterAll(() => server.close());

/** Every event the SDK hands over is also checked against asyncapi.yaml. */
function recorder(chat: ChatConnection): ServerEvent[] {
  const events: ServerEvent[] = [];
  for (const type of ['join', 'send', 'leave', 'error'] as const) {
    chat.on(type, (event) => {
      assertServerEvent(event);
      events.push(event);
    });
  }
  return events;
}

describe('the SDK chat client', () => {
  it('chats in a private room with the token offered as a subprotocol, with typed events', async () => {
    const room = await api.createRoom({ title: 'SDK chat', visibility: 'private', password: 'sdk password' });
    const token = (await api.authorize(room.id, 'sdk password', 'kim'))!.token;
    const chat = await ChatConnection.connect({ baseUrl: server.url, room: room.title, token, WebSocket: NodeWebSocket });
    expect(chat.protocol).toBe(token);
    const events = recorder(chat);

    const joined = chat.next('join');
    chat.join('kim', 'green');
    expect(await joined).toMatchObject({ name: 'kim', msg: 'kim entered the room.', room_id: room.id });

    const said = chat.next('send');
    chat.send('hello from the SDK');
    const event = await said;
    expect(event.msg).toBe('hello from the SDK');
    expect(event.color).toBe('green');

    const refused = chat.next('error');
    chat.send('');
    expect((await refused).error).toMatchObject({ code: 303, field: 'msg' });

    const left = chat.next('leave');
    chat.leave();
    expect(await left).toMatchObject({ name: 'kim', msg: 'kim has left the room.' });
    expect(await chat.close()).toMatchObject({ code: 1000 });
    expect(events.map((e) => e.event_type)).toEqual(['join', 'send', 'error', 'leave']);
  });

  it('rejects a refused upgrade with the HTTP status and the error code, which tell 403 from 404', async () => {
    const room = await api.createRoom({ title: 'SDK locked', visibility: 'hidden', password: 'sdk password' });
    const noToken = ChatConnection.connect({ baseUrl: server.url, room: room.id, WebSocket: NodeWebSocket });
    await expect(noToken).rejects.toBeInstanceOf(ChatRefusedError);
    await expect(noToken).rejects.toMatchObject({ status: 403, code: 403, field: 'token', room: room.id });
    await expect(ChatConnection.connect({ baseUrl: server.url, room: 'SDK nowhere', WebSocket: NodeWebSocket })).rejects.toMatchObject({ status: 404, code: 101 });
  });

  it('keeps tokens by room id: a token got by id serves the room by its title, and the other way round', async () => {
    const client = server.client();
    const room = await client.createRoom({ title: 'SDK keyed', visibility: 'private', password: 'sdk password' });
    await client.authorize(room.id, 'sdk password', 'lee');
    const byTitle = await client.GET('/chats/{roomId}/messages', { params: { path: { roomId: 'sdk KEYED' } } });
    expect(byTitle.response.status).toBe(200);
    expect(client.tokenFor('Sdk Keyed')).toBe(client.tokenFor(room.id));

    const other = server.client();
    const second = await other.createRoom({ title: 'SDK keyed two', visibility: 'private', password: 'sdk password' });
    const fresh = server.client(); // knows nothing of the room yet
    await fresh.authorize('sdk keyed two', 'sdk password', 'lee');
    expect(fresh.tokenFor(second.id)).toBeDefined();
    expect((await fresh.GET('/chats/{roomId}/messages', { params: { path: { roomId: String(second.id) } } })).response.status).toBe(200);
  });

  it('refuses to send before join, without a round trip', async () => {
    const chat = await ChatConnection.connect({ baseUrl: server.url, room: 1, WebSocket: NodeWebSocket });
    expect(() => chat.send('too early')).toThrow(/join the room first/);
    await chat.close();
  });
});
