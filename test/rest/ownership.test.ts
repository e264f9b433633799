import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unwrap, type Room } from '@chitchat/client';
import { errorOf, json, startTestServer, TEST_SECRET, type TestServer } from '../support/server.js';
import { NOT_JSON_JWS, NOT_JSON_JWT } from '../support/tokens.js';

/**
 * Who may change or delete a room: its creator, by the owner token `createRoom` answers; for a
 * private or hidden room, also whoever has a room token. ChitChat compatibility mode keeps ChitChat's
 * open model, where anyone may change or delete a public room.
 */
let counter = 0;
const uniqueTitle = (prefix = 'Owned') => `${prefix} ${++counter} ${Date.now().toString(36)}`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const NOT_OWNER = { status: false, error: { code: 104, error: 'Room error: Unauthorized operation', field: 'token' } };

async function create(server: TestServer, body: Record<string, unknown>): Promise<Room & { owner_token: string }> {
  const response = await server.request('POST', '/chats', json(body));
  expect(response.status).toBe(201);
  return (await response.json()) as Room & { owner_token: string };
}

async function put(server: TestServer, room: string | number, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const init = json(body);
  return server.request('PUT', `/chats/${encodeURIComponent(String(room))}`, { ...init, headers: { ...(init.headers as Record<string, string>), ...headers } });
}

const getRoom = async (server: TestServer, room: string | number) => (await server.request('GET', `/chats/${encodeURIComponent(String(room))}`)).json() as Promise<Room>;

describe('room ownership (the default)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('answers the owner token with the created room only: never in getRoom or listRooms', async () => {
    for (const body of [{ title: uniqueTitle(), visibility: 'public' }, { title: uniqueTitle(), visibility: 'hidden', password: 'long enough' }]) {
      const room = await create(server, body);
      expect(room.owner_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(JSON.stringify(await getRoom(server, room.id))).not.toContain('owner_token');
    }
    const page = await (await server.request('GET', '/chats?limit=100')).text();
    expect(page).not.toContain('owner_token');
  });

  it('refuses the hijack of the default room: no token, 401 code 104, and the room stays public', async () => {
    const before = await getRoom(server, 1);
    const hijack = await put(server, 1, { title: 'Mine now', visibility: 'private', password: 'attacker password' });
    expect(hijack.status).toBe(401);
    expect(await hijack.json()).toEqual(NOT_OWNER);
    const deleted = await server.request('DELETE', '/chats/1');
    expect(deleted.status).toBe(401);
    expect(await deleted.json()).toEqual(NOT_OWNER);
    expect(await getRoom(server, 1)).toEqual(before);
    const token = await server.request('POST', '/chats/1/token', json({ secret: 'attacker password', name: 'mallory' }));
    expect(token.status).toBe(200);
  });

  it('refuses changes to a public room with any token but its owner token, then takes them with it', async () => {
    const room = await create(server, { title: uniqueTitle(), visibility: 'public' });
    const other = await create(server, { title: uniqueTitle(), visibility: 'public' });
    const privateRoom = await create(server, { title: uniqueTitle(), visibility: 'private', password: 'long enough' });
    const roomToken = (await server.client().authorize(privateRoom.id, 'long enough', 'member'))!.token;
    const forged = jwt.sign({ room_id: room.id, owner: true }, `${TEST_SECRET}owner:${room.id}:1970-01-01T00:00:00.000Z`, { algorithm: 'HS256' });
    for (const token of [other.owner_token, privateRoom.owner_token, roomToken, forged, 'not-a-token', NOT_JSON_JWT, NOT_JSON_JWS]) {
      const refused = await put(server, room.id, { title: 'Taken over', visibility: 'public' }, bearer(token));
      expect([refused.status, await refused.json()]).toEqual([401, NOT_OWNER]);
      const notDeleted = await server.request('DELETE', `/chats/${room.id}`, { headers: bearer(token) });
      expect(notDeleted.status).toBe(401);
    }
    // Not Bearer: no token at all.
    const asToken = await put(server, room.id, { title: 'Taken over', visibility: 'public' }, { authorization: `Token ${room.owner_token}` });
    expect(asToken.status).toBe(401);
    const { owner_token: _, ...stored } = room;
    expect(await getRoom(server, room.id)).toEqual(stored);

    const renamed = await put(server, room.title, { title: `${room.title} renamed`, visibility: 'public' }, bearer(room.owner_token));
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({ id: room.id, title: `${room.title} renamed` });
    const deleted = await server.request('DELETE', `/chats/${room.id}`, { headers: bearer(room.owner_token) });
    expect([deleted.status, await deleted.json()]).toEqual([200, { status: true }]);
  });

  it('refuses a body before reading it: a request without the owner token learns nothing of its body', async () => {
    const room = await create(server, { title: uniqueTitle(), visibility: 'public' });
    // Straight to the server: Prism's proxy does not pass on a body that is not JSON.
    const response = await server.requestDirect('PUT', `/chats/${room.id}`, { headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect([response.status, await response.json()]).toEqual([401, NOT_OWNER]);
  });

  it('lets the owner token manage a private room too, across a password change, and not chat or read', async () => {
    const room = await create(server, { title: uniqueTitle(), visibility: 'private', password: 'first password' });
    const made = await put(server, room.id, { title: room.title, visibility: 'hidden', password: 'second password' }, bearer(room.owner_token));
    expect(made.status).toBe(200);
    const again = await put(server, room.id, { title: room.title, description: 'still mine', visibility: 'hidden' }, bearer(room.owner_token));
    expect(await again.json()).toMatchObject({ description: 'still mine', visibility: 'hidden' });
    // It is the creator's credential, not a room token: history and renewal need the password's token.
    const history = await server.request('GET', `/chats/${room.id}/messages`, { headers: bearer(room.owner_token) });
    expect(history.status).toBe(403);
    const renew = await server.request('GET', `/chats/${room.id}/token/renew`, { headers: bearer(room.owner_token) });
    expect(renew.status).toBe(403);
  });

  it('ends with the room: a new room with the same title refuses the old owner token', async () => {
    const title = uniqueTitle('Reborn');
    const first = await create(server, { title, visibility: 'public' });
    expect((await server.request('DELETE', `/chats/${first.id}`, { headers: bearer(first.owner_token) })).status).toBe(200);
    const second = await create(server, { title, visibility: 'public' });
    const refused = await put(server, title, { title: 'Stolen', visibility: 'public' }, bearer(first.owner_token));
    expect([refused.status, await errorOf(refused)]).toEqual([401, NOT_OWNER.error]);
    expect((await getRoom(server, title)).id).toBe(second.id);
  });

  it('the SDK keeps the owner token of the rooms it creates and sends it to change or delete them', async () => {
    const owner = server.client();
    const room = await owner.createRoom({ title: uniqueTitle(), visibility: 'public' });
    expect(owner.ownerTokenFor(room.id)).toBe(room.owner_token);
    const path = { roomId: room.title };
    const stranger = await server.client().PUT('/chats/{roomId}', { params: { path }, body: { title: 'Stranger', visibility: 'public' } });
    expect(stranger.error).toEqual(NOT_OWNER);
    expect(unwrap(await owner.PUT('/chats/{roomId}', { params: { path }, body: { title: room.title, description: 'mine', visibility: 'public' } }))).toMatchObject({ description: 'mine' });
    expect(unwrap(await owner.DELETE('/chats/{roomId}', { params: { path } }))).toEqual({ status: true });
  });
});

describe('ChitChat compatibility mode (CHITCHAT_COMPAT=true)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ chitchatCompat: true });
  });
  afterAll(() => server.close());

  it('lets anyone change or delete a public room, the default room too, as ChitChat did', async () => {
    const room = await create(server, { title: uniqueTitle(), visibility: 'public' });
    expect(room.owner_token).toBeTypeOf('string');
    const changed = await put(server, room.id, { title: `${room.title} open`, visibility: 'public' });
    expect(changed.status).toBe(200);
    expect((await server.request('DELETE', `/chats/${room.id}`)).status).toBe(200);

    const taken = await put(server, 1, { title: 'Public Chat', visibility: 'private', password: 'anyone at all' });
    expect(taken.status).toBe(200);
    expect((await getRoom(server, 1)).visibility).toBe('private');
  });

  it('still needs a room token or the owner token for a private room', async () => {
    const room = await create(server, { title: uniqueTitle(), visibility: 'private', password: 'long enough' });
    const refused = await put(server, room.id, { title: room.title, visibility: 'private' });
    expect([refused.status, (await errorOf(refused)).code]).toEqual([403, 403]);
    const byOwner = await put(server, room.id, { title: room.title, description: 'owner', visibility: 'private' }, bearer(room.owner_token));
    expect(byOwner.status).toBe(200);
  });
});
