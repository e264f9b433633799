import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatConnection, createChitChatClient, unwrap, type ChitChatClient, type ServerEvent, type WebSocketConstructor } from '@chitchat/client';
import WebSocket from 'ws';
import { loadContract } from '../src/contract/document.js';
import { startChatMock, type ChatMock } from '../src/mock/chat-mock.js';
import { assertServerEvent, refusedUpgrade, TestSocket, wsUrl } from './support/chat.js';
import { contractCheck } from './support/contract.js';
import { startPrism, type Prism } from './support/prism.js';

/**
 * What a frontend team gets from `make mock`: the SDK against Prism serving openapi.yaml, answering
 * with the spec's own examples and refusing requests that break it, as the server would.
 */
const examples = loadContract().openapi.components!.examples as Record<string, { value: unknown }>;
const example = (name: string) => examples[name]!.value;
let prism: Prism;
let chat: ChatMock;
let api: ChitChatClient;

beforeAll(async () => {
  [prism, chat] = await Promise.all([startPrism(['mock'], '/chats/1'), startChatMock()]);
  api = createChitChatClient({ baseUrl: prism.url });
  api.use(contractCheck);
}, 40_000);
afterAll(async () => {
  await prism.close();
  await chat.close();
});

describe('the SDK against the Prism mock', () => {
  it('runs every operation and gets the examples of openapi.yaml', async () => {
    expect(unwrap(await api.GET('/chats'))).toEqual(example('RoomPage'));
    expect(await api.createRoom({ title: 'My chat room', visibility: 'public' })).toEqual(example('CreatedPublicRoom'));
    expect(unwrap(await api.GET('/chats/{roomId}', { params: { path: { roomId: '1' } } }))).toEqual(example('DefaultRoom'));
    expect(unwrap(await api.PUT('/chats/{roomId}', { params: { path: { roomId: '2' } }, body: { title: 'Our chat room', visibility: 'public' } }))).toEqual(
      example('UpdatedRoom'),
    );
    expect(unwrap(await api.DELETE('/chats/{roomId}', { params: { path: { roomId: '2' } } }))).toEqual({ status: true });
    const token = await api.POST('/chats/{roomId}/token', { params: { path: { roomId: '3' } }, body: { secret: 'my_secret', name: 'david' } });
    expect(token.response.ok).toBe(true);
    expect((await api.GET('/chats/{roomId}/token/renew', { params: { path: { roomId: '3' } } })).response.ok).toBe(true);
    expect(unwrap(await api.GET('/health'))).toEqual(example('Health'));
  });

  it('answers with a named example on request (Prefer: example=...)', async () => {
    const { data, response } = await api.POST('/chats', {
      body: { title: 'Secret plans', visibility: 'private', password: 'my_secret' },
      headers: { Prefer: 'example=private' },
    });
    expect(response.status).toBe(201);
    expect(data).toEqual(example('CreatedPrivateRoom'));
    const error = await api.GET('/chats/{roomId}', { params: { path: { roomId: 'nowhere' } }, headers: { Prefer: 'code=404' } });
    expect(error.error).toEqual(example('RoomNotFound'));
  });

  it('refuses a request that breaks the spec with an error body of the spec', async () => {
    const { response, error } = await api.POST('/chats', { body: { title: 'x', visibility: 'public' } });
    expect(response.status).toBe(400);
    expect(error).toMatchObject({ status: false, error: { code: expect.any(Number) } });
  });
});

describe('the chat mock (make mock, MOCK_WS_PORT)', () => {
  it('takes a frontend through create, authorize, chat and leave with the SDK, every frame one of asyncapi.yaml', async () => {
    // As the README shows: against the mock, the token operation is asked for its 201.
    const client = createChitChatClient({ baseUrl: prism.url });
    client.use({ onRequest: ({ request, schemaPath }) => (schemaPath === '/chats/{roomId}/token' && request.headers.set('Prefer', 'code=201'), request) });
    const { data: room } = await client.POST('/chats', { body: { title: 'Secret plans', visibility: 'private', password: 'my_secret' }, headers: { Prefer: 'example=private' } });
    expect(room).toMatchObject({ visibility: 'private' });
    const issued = await client.authorize(room!.id, 'my_secret', 'zoe');
    expect(issued?.token).toBe((example('TokenResponse') as { token: string }).token);

    const connection = await ChatConnection.connect({ baseUrl: chat.url, room: room!.id, token: client.tokenFor(room!.id), WebSocket: WebSocket as unknown as WebSocketConstructor });
    expect(connection.protocol).toBe(issued!.token);
    const frames: ServerEvent[] = [];
    for (const type of ['join', 'send', 'leave', 'error'] as const) connection.on(type, (e) => (assertServerEvent(e), frames.push(e)));
    const joined = connection.next('join');
    connection.join('zoe', 'teal');
    expect(await joined).toMatchObject({ event_type: 'join', name: 'zoe', color: 'teal', msg: 'zoe entered the room.', room_id: room!.id });
    const said = connection.next('send');
    connection.send('Hello from the mock');
    expect(await said).toMatchObject({ name: 'zoe', color: 'teal', msg: 'Hello from the mock', seq: 1, room_id: room!.id });
    const left = connection.next('leave');
    connection.leave();
    expect(await left).toMatchObject({ name: 'zoe', msg: 'zoe has left the room.' });
    await connection.close();
    expect(frames.map((f) => f.event_type)).toEqual(['join', 'send', 'leave']);
  });

  it('answers the refusals of the real server, with the documented error events and upgrade answers', async () => {
    const socket = await TestSocket.open(wsUrl(chat.url, 1));
    socket.send({ event_type: 'send', name: 'nobody', msg: 'hi' });
    expect((await socket.nextError()).error).toMatchObject({ code: 201, field: 'name' });
    socket.ws.send('not json');
    expect((await socket.nextError()).error).toMatchObject({ code: 303 });
    socket.send({ event_type: 'join' });
    expect((await socket.nextError()).error).toMatchObject({ code: 303, field: 'name' });
    socket.send({ event_type: 'join', name: 'amy' });
    await socket.next((e) => e.event_type === 'join');
    socket.send({ event_type: 'join', name: 'amy' });
    expect((await socket.nextError()).error).toMatchObject({ code: 301 });
    const other = await TestSocket.open(wsUrl(chat.url, 'public chat'));
    other.send({ event_type: 'join', name: 'AMY' });
    expect((await other.nextError()).error).toMatchObject({ code: 202, field: 'name' });
    await Promise.all([socket.close(), other.close()]);

    expect(await refusedUpgrade(wsUrl(chat.url, 999))).toMatchObject({ status: 404, body: { error: { code: 101 } } });
    expect(await refusedUpgrade(wsUrl(chat.url, 3))).toMatchObject({ status: 403, body: { error: { code: 403, field: 'token' } } });
    expect(await refusedUpgrade(wsUrl(chat.url, 3), { protocols: ['not-the-example-token'] })).toMatchObject({ status: 403 });
  });

  it('plays the example chatter of asyncapi.yaml when asked (MOCK_CHATTER=1)', async () => {
    const lively = await startChatMock({ chatterMs: 50 });
    try {
      const socket = await TestSocket.open(wsUrl(lively.url, 1));
      const example = (await socket.next((e) => e.event_type === 'send')) as { name: string; msg: string };
      expect(example).toMatchObject({ name: 'david', msg: 'Hello everyone' });
      expect(socket.events[0]).toMatchObject({ event_type: 'join', name: 'david' });
      await socket.close();
    } finally {
      await lively.close();
    }
  });
});
