import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unwrap, type ChitChatClient, type Room } from '@chitchat/client';
import { errorOf, startTestServer, TEST_SECRET, type TestServer } from '../support/server.js';
import { NOT_JSON_JWS, NOT_JSON_JWT } from '../support/tokens.js';

let server: TestServer;
let api: ChitChatClient;
let privateRoom: Room;
let otherRoom: Room;
let publicRoom: Room;
const PASSWORD = 'correct horse';

beforeAll(async () => {
  server = await startTestServer({ tokenTtlSeconds: 3600 });
  api = server.client();
  privateRoom = await api.createRoom({ title: 'Token room', visibility: 'private', password: PASSWORD });
  otherRoom = await api.createRoom({ title: 'Other token room', visibility: 'hidden', password: PASSWORD });
  publicRoom = await api.createRoom({ title: 'Open token room', visibility: 'public' });
});
afterAll(() => server.close());

const path = (room: Room | string | number) => ({ roomId: typeof room === 'object' ? String(room.id) : String(room) });

async function renewWith(room: Room, authorization: string | undefined) {
  const response = await server.request('GET', `/chats/${room.id}/token/renew`, {
    headers: authorization ? { authorization } : {},
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('issueToken (ChitChat case table)', () => {
  it('answers a public room with 200 {"status": true} and no token', async () => {
    const { data, response } = await api.POST('/chats/{roomId}/token', { params: { path: path(publicRoom) }, body: { secret: 'anything', name: 'x' } });
    expect(response.status).toBe(200);
    expect(data).toEqual({ status: true });
  });

  it('issues an HS256 token with username, room_id and a 60-minute exp for the right secret', async () => {
    const { data, response } = await api.POST('/chats/{roomId}/token', {
      params: { path: path(privateRoom.title) },
      body: { secret: PASSWORD, name: 'david' },
    });
    expect(response.status).toBe(201);
    expect(data).toMatchObject({ status: true, name: 'david', room_id: privateRoom.id });
    const token = (data as { token: string }).token;
    const decoded = jwt.decode(token, { complete: true })!;
    expect(decoded.header.alg).toBe('HS256');
    const claims = decoded.payload as jwt.JwtPayload;
    expect(claims).toMatchObject({ username: 'david', room_id: privateRoom.id });
    expect(claims.exp! - Math.floor(Date.now() / 1000)).toBeGreaterThan(3590);
    expect(claims.exp! - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(3600);
  });

  it.each([
    ['a wrong secret', { secret: 'wrong horse', name: 'x' }],
    ['a missing secret', { name: 'x' }],
    ['an empty secret', { secret: '', name: 'x' }],
    ['a missing secret and name', {}],
  ])('answers %s with 401 code 304 on secret', async (_case, body) => {
    const { error, response } = await api.POST('/chats/{roomId}/token', { params: { path: path(privateRoom) }, body });
    expect(response.status).toBe(401);
    expect(error).toEqual({ status: false, error: { code: 304, error: 'Unauthorized operation', field: 'secret' } });
  });

  it.each([[{ secret: PASSWORD }], [{ secret: PASSWORD, name: '' }]])('answers the right secret without a name (%j) with 400 code 303 on name', async (body) => {
    const { error, response } = await api.POST('/chats/{roomId}/token', { params: { path: path(privateRoom) }, body });
    expect(response.status).toBe(400);
    expect(error).toEqual({ status: false, error: { code: 303, error: 'Invalid JSON', field: 'name' } });
  });

  it('answers a wrong secret with 304 before looking at the name, as ChitChat did', async () => {
    for (const body of [{ secret: 'wrong horse', name: '' }, { secret: 'x'.repeat(500), name: 'x' }]) {
      const { error, response } = await api.POST('/chats/{roomId}/token', { params: { path: path(privateRoom) }, body });
      expect(response.status).toBe(401);
      expect(error).toMatchObject({ error: { code: 304, field: 'secret' } });
    }
  });

  it('answers an unknown room with 404 code 101', async () => {
    const { error, response } = await api.POST('/chats/{roomId}/token', { params: { path: path('Nowhere at all') }, body: { secret: PASSWORD, name: 'x' } });
    expect(response.status).toBe(404);
    expect(error).toMatchObject({ error: { code: 101 } });
  });

  it('treats an operator object as a wrong type, never as a query (103 on secret)', async () => {
    const response = await server.request('POST', `/chats/${privateRoom.id}/token`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ secret: { $gt: '' }, name: 'x' }),
    });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 103, field: 'secret' });
  });
});

describe('renewToken', () => {
  it('exchanges a valid token for a fresh one for the same name', async () => {
    const client = server.client();
    const first = (await client.authorize(privateRoom.id, PASSWORD, 'renewer'))!;
    server.advanceClock(1000); // a token of a later second
    const { data, response } = await client.GET('/chats/{roomId}/token/renew', { params: { path: path(privateRoom) } });
    expect(response.status).toBe(201);
    expect(data).toMatchObject({ status: true, name: 'renewer', room_id: privateRoom.id });
    const renewed = (data as { token: string }).token;
    expect(renewed).not.toBe(first.token);
    expect((jwt.decode(renewed) as jwt.JwtPayload).exp!).toBeGreaterThan((jwt.decode(first.token) as jwt.JwtPayload).exp!);
    expect(client.tokenFor(privateRoom.id)).toBe(renewed);
  });

  it('answers a public room with 200 {"status": true}', async () => {
    const { data, response } = await api.GET('/chats/{roomId}/token/renew', { params: { path: path(publicRoom) } });
    expect(response.status).toBe(200);
    expect(data).toEqual({ status: true });
  });

  it('reads Authorization as "Bearer" in any case and one token, and nothing else (403 code 403)', async () => {
    const token = (await server.client().authorize(privateRoom.id, PASSWORD, 'formats'))!.token;
    for (const header of [`Bearer ${token}`, `bearer ${token}`, `BEARER  ${token}`]) {
      expect((await renewWith(privateRoom, header)).status).toBe(201);
    }
    for (const header of [`Token ${token}`, token, `Basic ${token}`, `Foo ${token}`, `Bearer ${token} extra`, `Bearer ${token},x`, `Bearer`]) {
      const refused = await renewWith(privateRoom, header);
      expect([header, refused.status, refused.body]).toEqual([header, 403, { status: false, error: { code: 403, error: 'Token error: Invalid token', field: 'token' } }]);
    }
  });
});

describe('in ChitChat compatibility mode (CHITCHAT_COMPAT)', () => {
  it('also reads "Token <t>" and a bare token, as ChitChat did', async () => {
    const compat = await startTestServer({ chitchatCompat: true });
    try {
      const room = await compat.client().createRoom({ title: 'Compat token room', visibility: 'private', password: PASSWORD });
      const token = (await compat.client().authorize(room.id, PASSWORD, 'formats'))!.token;
      for (const header of [`Bearer ${token}`, `Token ${token}`, token]) {
        const response = await compat.request('GET', `/chats/${room.id}/token/renew`, { headers: { authorization: header } });
        expect([header, response.status]).toEqual([header, 201]);
      }
    } finally {
      await compat.close();
    }
  });
});

describe('token attacks', () => {
  const claims = (room: Room, extra: Record<string, unknown> = {}) => ({ username: 'mallory', room_id: room.id, ...extra });
  // The key as the server derives it; only the test knows the hash, by asking for a real token first.
  const realToken = async (room: Room) => (await server.client().authorize(room.id, PASSWORD, 'victim'))!.token;

  it('rejects a missing token with 403 code 403 on token', async () => {
    const { status, body } = await renewWith(privateRoom, undefined);
    expect(status).toBe(403);
    expect(body).toEqual({ status: false, error: { code: 403, error: 'Token error: Invalid token', field: 'token' } });
  });

  it('rejects alg "none" with 401 code 402', async () => {
    const unsigned = jwt.sign(claims(privateRoom), '', { algorithm: 'none' });
    const { status, body } = await renewWith(privateRoom, `Bearer ${unsigned}`);
    expect(status).toBe(401);
    expect(body).toMatchObject({ error: { code: 402, error: 'Token error: Unauthorized signing method', field: 'token' } });
  });

  it('rejects HS512 even when signed with a plausible key, with 402', async () => {
    const token = jwt.sign(claims(privateRoom), TEST_SECRET, { algorithm: 'HS512' });
    expect((await renewWith(privateRoom, `Bearer ${token}`)).body).toMatchObject({ error: { code: 402 } });
  });

  it('rejects a token signed with the server secret alone (a wrong key) with 401 code 401', async () => {
    const forged = jwt.sign(claims(privateRoom), TEST_SECRET, { algorithm: 'HS256' });
    const { status, body } = await renewWith(privateRoom, `Bearer ${forged}`);
    expect(status).toBe(401);
    expect(body).toEqual({ status: false, error: { code: 401, error: 'Token error: Invalid signature', field: 'token' } });
  });

  it("rejects another room's token with 401, even with the same password", async () => {
    const token = await realToken(otherRoom);
    const { status, body } = await renewWith(privateRoom, `Bearer ${token}`);
    expect(status).toBe(401);
    expect(body).toMatchObject({ error: { code: 401 } });
    const onPut = await server.request('PUT', `/chats/${privateRoom.id}`, {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ title: 'Hijacked', visibility: 'public' }),
    });
    expect(onPut.status).toBe(401);
    expect(unwrap(await api.GET('/chats/{roomId}', { params: { path: path(privateRoom) } })).title).toBe('Token room');
  });

  it('rejects a token whose payload was edited (room_id or username) with 401', async () => {
    const token = await realToken(privateRoom);
    const [header, , signature] = token.split('.');
    const payload = Buffer.from(JSON.stringify(claims(privateRoom, { exp: 9_999_999_999 }))).toString('base64url');
    expect((await renewWith(privateRoom, `Bearer ${header}.${payload}.${signature}`)).body).toMatchObject({ error: { code: 401 } });
  });

  it('rejects an expired token with 403 code 403', async () => {
    const short = await startTestServer({ tokenTtlSeconds: 1 });
    try {
      const client = short.client();
      const room = await client.createRoom({ title: 'Expiring', visibility: 'private', password: PASSWORD });
      await client.authorize(room.id, PASSWORD, 'late');
      short.advanceClock(2000);
      const { response, error } = await client.GET('/chats/{roomId}/token/renew', { params: { path: path(room) } });
      expect(response.status).toBe(403);
      expect(error).toMatchObject({ error: { code: 403, field: 'token' } });
    } finally {
      await short.close();
    }
  });

  // The last two have a payload that is not JSON, with and without "typ": "JWT" in their header.
  it.each([['garbage'], ['a.b.c'], ['Bearer'], ['eyJhbGciOiJIUzI1NiJ9.e30'], [NOT_JSON_JWT], [NOT_JSON_JWS]])('rejects a malformed token %j with 403', async (value) => {
    const { status, body } = await renewWith(privateRoom, `Bearer ${value}`);
    expect(status).toBe(403);
    expect(body).toMatchObject({ error: { code: 403 } });
  });

  it('rejects a token from a server with another SECRET_KEY with 401', async () => {
    const elsewhere = await startTestServer({ secretKey: 'a-completely-different-secret-key' });
    try {
      const client = elsewhere.client();
      const room = await client.createRoom({ title: 'Token room', visibility: 'private', password: PASSWORD });
      expect(room.id).toBe(privateRoom.id);
      const token = (await client.authorize(room.id, PASSWORD, 'x'))!.token;
      expect((await renewWith(privateRoom, `Bearer ${token}`)).body).toMatchObject({ error: { code: 401 } });
    } finally {
      await elsewhere.close();
    }
  });
});
