import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatConnection, type ChitChatClient, type ServerEvent, type WebSocketConstructor } from '@chitchat/client';
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

  it('rejects when the server refuses the upgrade', async () => {
    const room = await api.createRoom({ title: 'SDK locked', visibility: 'hidden', password: 'sdk password' });
    await expect(ChatConnection.connect({ baseUrl: server.url, room: room.id, WebSocket: NodeWebSocket })).rejects.toThrow(/could not open/);
  });

  it('refuses to send before join, without a round trip', async () => {
    const chat = await ChatConnection.connect({ baseUrl: server.url, room: 1, WebSocket: NodeWebSocket });
    expect(() => chat.send('too early')).toThrow(/join the room first/);
    await chat.close();
  });
});
