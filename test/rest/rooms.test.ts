import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChitChatError, unwrap, type ChitChatClient, type Room } from '@chitchat/client';
import { basePathOf, errorOf, json, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let api: ChitChatClient;

beforeAll(async () => {
  server = await startTestServer();
  api = server.client();
});
afterAll(() => server.close());

/** A room as getRoom answers it: createRoom's answer without the owner token. */
const asStored = ({ owner_token: _, ...room }: Room) => room;

let counter = 0;
const uniqueTitle = (prefix = 'Room') => `${prefix} ${++counter} ${Date.now().toString(36)}`;

async function createError(body: Record<string, unknown>) {
  const response = await server.request('POST', '/chats', json(body));
  return { status: response.status, error: await errorOf(response) };
}

describe('the default room', () => {
  it('is "Public Chat", id 1, public, from the start', async () => {
    const room = unwrap(await api.GET('/chats/{roomId}', { params: { path: { roomId: '1' } } }));
    expect(room).toMatchObject({
      id: 1,
      title: 'Public Chat',
      description: 'This is the default chat, available to everyone!',
      visibility: 'public',
      users: [],
    });
  });
});

describe('createRoom (ChitChat case table)', () => {
  it('creates a public room: 201, the room, a Location header, no password', async () => {
    const title = uniqueTitle('My chat room');
    const { data, response } = await api.POST('/chats', {
      body: { title, description: 'There are many like it, but this one is mine', visibility: 'public' },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(`${basePathOf(server)}/chats/${data!.id}`);
    expect(data).toMatchObject({ title, visibility: 'public', users: [] });
    expect(data!.createdAt).toBe(data!.updatedAt);
    expect(JSON.stringify(data)).not.toMatch(/password|\$2[aby]\$/);
  });

  it.each(['private', 'hidden'] as const)('creates a %s room with a password and never returns it', async (visibility) => {
    const { data, response } = await api.POST('/chats', {
      body: { title: uniqueTitle(), visibility, password: 'long enough' },
    });
    expect(response.status).toBe(201);
    expect(data!.visibility).toBe(visibility);
    expect(JSON.stringify(data)).not.toMatch(/password|\$2[aby]\$/);
  });

  it('accepts visibility in any case and stores it lower-case', async () => {
    const room = await api.createRoom({ title: uniqueTitle(), visibility: 'HiDdEn', password: 'long enough' });
    expect(room.visibility).toBe('hidden');
  });

  it.each([
    ['a missing title', { visibility: 'public' }, 105, 'title'],
    ['a missing visibility', { title: 'No visibility' }, 105, 'visibility'],
    ['an unknown visibility', { title: 'Bad visibility', visibility: 'secret' }, 105, 'visibility'],
    ['a one-character title', { title: 'x', visibility: 'public' }, 105, 'title'],
    ['a 71-character title', { title: 'x'.repeat(71), visibility: 'public' }, 105, 'title'],
    ['a 71-character description', { title: 'Long description', description: 'd'.repeat(71), visibility: 'public' }, 105, 'description'],
    ['a private room without password', { title: 'No password', visibility: 'private' }, 105, 'password'],
    ['a hidden room with a 7-character password', { title: 'Short pw', visibility: 'hidden', password: '1234567' }, 105, 'password'],
    ['a public room with a password', { title: 'Pw on public', visibility: 'public', password: 'long enough' }, 105, 'visibility'],
    ['a title made of digits', { title: '12345', visibility: 'public' }, 105, 'title'],
    ['a title of spaces', { title: '    ', visibility: 'public' }, 105, 'title'],
    ['a title with a control character', { title: 'bell\u0007room', visibility: 'public' }, 105, 'title'],
    ['a number as title', { title: 42, visibility: 'public' }, 103, 'title'],
    ['null as visibility', { title: 'Null visibility', visibility: null }, 103, 'visibility'],
    ['an array as password', { title: 'Array pw', visibility: 'private', password: ['x'] }, 103, 'password'],
  ])('refuses %s', async (_case, body, code, field) => {
    const { status, error } = await createError(body);
    expect(status).toBe(400);
    expect(error).toMatchObject({ code, field });
  });

  it('accepts an empty password on a public room, as ChitChat did', async () => {
    const room = await api.createRoom({ title: uniqueTitle(), visibility: 'public', password: '' });
    expect(room.visibility).toBe('public');
  });

  it('refuses a duplicate title, compared case-insensitively: 102 on title', async () => {
    const title = uniqueTitle('Duplicate');
    await api.createRoom({ title, visibility: 'public' });
    for (const again of [title, title.toUpperCase(), title.toLowerCase()]) {
      const { status, error } = await createError({ title: again, visibility: 'public' });
      expect(status).toBe(400);
      expect(error).toEqual({ code: 102, error: 'Room error: Duplicate room', field: 'title' });
    }
  });

  it('ignores unknown properties and never takes id, users or dates from the client', async () => {
    const title = uniqueTitle();
    const room = unwrap(
      await api.POST('/chats', {
        body: { title, visibility: 'public', id: 999999, users: [{ username: 'x' }], createdAt: '2000-01-01T00:00:00Z' } as never,
      }),
    );
    expect(room.id).not.toBe(999999);
    expect(room.users).toEqual([]);
    expect(room.createdAt.startsWith('2000')).toBe(false);
  });

  it('counts title length in characters, not bytes or UTF-16 units', async () => {
    const title = '😀'.repeat(70);
    const room = await api.createRoom({ title, visibility: 'public' });
    expect(room.title).toBe(title);
    const { error } = await createError({ title: '😀'.repeat(71), visibility: 'public' });
    expect(error).toMatchObject({ code: 105, field: 'title' });
  });
});

describe('getRoom', () => {
  it('finds a room by id and by title in any case, including hidden rooms, without a token', async () => {
    const title = uniqueTitle('Hidden Lookup');
    const created = await api.createRoom({ title, visibility: 'hidden', password: 'long enough' });
    for (const roomId of [String(created.id), title, title.toUpperCase()]) {
      const room = unwrap(await api.GET('/chats/{roomId}', { params: { path: { roomId } } }));
      expect(room).toEqual(asStored(created));
    }
  });

  it('finds titles with slashes and non-ASCII characters by their percent-encoded path', async () => {
    for (const title of ['a/b c', 'Ünïcödé ✓ 😀', 'Straße', 'what?#&=']) {
      const created = await api.createRoom({ title, visibility: 'public' });
      const response = await server.request('GET', `/chats/${encodeURIComponent(title)}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(asStored(created));
    }
  });

  it.each([['424242'], ['No such room'], ['0']])('answers 404 code 101 for %s', async (roomId) => {
    const { error, response } = await api.GET('/chats/{roomId}', { params: { path: { roomId } } });
    expect(response.status).toBe(404);
    expect(error).toEqual({ status: false, error: { code: 101, error: 'Room error: Room not found' } });
  });

  it('reads one to fifteen digits as an id, leading zeros too, and more digits as a title (101 here)', async () => {
    const created = await api.createRoom({ title: uniqueTitle('Zero Padded'), visibility: 'public' });
    const padded = `${'0'.repeat(15 - String(created.id).length)}${created.id}`;
    expect(unwrap(await api.GET('/chats/{roomId}', { params: { path: { roomId: padded } } }))).toEqual(asStored(created));
    const longer = await server.request('GET', `/chats/0${padded}`);
    expect(longer.status).toBe(404);
    expect(await errorOf(longer)).toMatchObject({ code: 101 });
  });

  it('answers 105 on roomId for a path segment longer than any title', async () => {
    const response = await server.request('GET', `/chats/${'x'.repeat(5000)}`);
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 105, field: 'roomId' });
  });
});

describe('listRooms', () => {
  it('pages through every room that is not hidden, in id order, with a cursor', async () => {
    const isolated = await startTestServer();
    try {
      const client = isolated.client();
      const created = [];
      for (let i = 0; i < 7; i++) {
        created.push(await client.createRoom({ title: `Listed ${i}`, visibility: i % 3 === 2 ? 'hidden' : i % 3 === 1 ? 'private' : 'public', password: i % 3 === 0 ? undefined : 'long enough' }));
      }
      const seen: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = unwrap(await client.GET('/chats', { params: { query: { limit: 2, ...(cursor ? { cursor } : {}) } } }));
        expect(page.rooms.length).toBeLessThanOrEqual(2);
        seen.push(...page.rooms.map((r) => r.id));
        cursor = page.next_cursor ?? undefined;
        pages++;
      } while (cursor && pages < 20);
      const expected = [1, ...created.filter((r) => r.visibility !== 'hidden').map((r) => r.id)];
      expect(seen).toEqual(expected);
      expect(pages).toBe(Math.ceil(expected.length / 2));
    } finally {
      await isolated.close();
    }
  });

  it('defaults to 20 a page', async () => {
    for (let i = 0; i < 21; i++) await api.createRoom({ title: uniqueTitle('Filler'), visibility: 'public' });
    const page = unwrap(await api.GET('/chats'));
    expect(page.rooms).toHaveLength(20);
    expect(page.next_cursor).toBe(String(page.rooms[19]!.id));
  });

  it.each([
    ['limit=0', 105, 'limit'],
    ['limit=101', 105, 'limit'],
    ['limit=ten', 103, 'limit'],
    ['cursor=abc', 105, 'cursor'],
    ['unknown=1', 105, 'unknown'],
  ])('refuses %s with %i on the parameter', async (query, code, field) => {
    const response = await server.request('GET', `/chats?${query}`);
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code, field });
  });
});

describe('updateRoom', () => {
  it('replaces title, description and visibility of a public room (its creator, with the owner token); createdAt never changes', async () => {
    const room = await api.createRoom({ title: uniqueTitle(), description: 'before', visibility: 'public' });
    await new Promise((r) => setTimeout(r, 5));
    const title = uniqueTitle('Renamed');
    const updated = unwrap(
      await api.PUT('/chats/{roomId}', { params: { path: { roomId: String(room.id) } }, body: { title, visibility: 'Public' } }),
    );
    expect(updated).toMatchObject({ id: room.id, title, description: '', visibility: 'public', createdAt: room.createdAt });
    expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse(room.updatedAt));
    const byNewTitle = unwrap(await api.GET('/chats/{roomId}', { params: { path: { roomId: title.toLowerCase() } } }));
    expect(byNewTitle.id).toBe(room.id);
    const byOldTitle = await api.GET('/chats/{roomId}', { params: { path: { roomId: room.title } } });
    expect(byOldTitle.response.status).toBe(404);
  });

  it('needs a token for a private room (403 code 403) and keeps the password when none is given', async () => {
    const room = await api.createRoom({ title: uniqueTitle(), visibility: 'private', password: 'first password' });
    const path = { roomId: String(room.id) };
    const denied = await server.client().PUT('/chats/{roomId}', { params: { path }, body: { title: room.title, visibility: 'private' } });
    expect(denied.response.status).toBe(403);
    expect(denied.error).toMatchObject({ error: { code: 403, field: 'token' } });

    await api.authorize(room.id, 'first password', 'owner');
    const updated = unwrap(
      await api.PUT('/chats/{roomId}', { params: { path }, body: { title: room.title, description: 'kept pw', visibility: 'private' } }),
    );
    expect(updated.description).toBe('kept pw');
    const fresh = server.client();
    expect(await fresh.authorize(room.id, 'first password', 'someone')).toMatchObject({ room_id: room.id });
  });

  it('a new password revokes every token issued before it (401 code 401)', async () => {
    const room = await api.createRoom({ title: uniqueTitle(), visibility: 'hidden', password: 'first password' });
    const path = { roomId: String(room.id) };
    const owner = server.client();
    const other = server.client();
    await owner.authorize(room.id, 'first password', 'owner');
    await other.authorize(room.id, 'first password', 'other');
    unwrap(await owner.PUT('/chats/{roomId}', { params: { path }, body: { title: room.title, visibility: 'hidden', password: 'second password' } }));

    for (const client of [owner, other]) {
      const renewed = await client.GET('/chats/{roomId}/token/renew', { params: { path } });
      expect(renewed.response.status).toBe(401);
      expect(renewed.error).toMatchObject({ error: { code: 401, field: 'token' } });
    }
    const wrong = await server.client().POST('/chats/{roomId}/token', { params: { path }, body: { secret: 'first password', name: 'x' } });
    expect(wrong.response.status).toBe(401);
    expect(await server.client().authorize(room.id, 'second password', 'x')).toMatchObject({ room_id: room.id });
  });

  it('makes a public room private only with a password (105 on password)', async () => {
    const room = await api.createRoom({ title: uniqueTitle(), visibility: 'public' });
    const path = { roomId: String(room.id) };
    const refused = await api.PUT('/chats/{roomId}', { params: { path }, body: { title: room.title, visibility: 'private' } });
    expect(refused.response.status).toBe(400);
    expect(refused.error).toMatchObject({ error: { code: 105, field: 'password' } });
    const stored = unwrap(await api.GET('/chats/{roomId}', { params: { path } }));
    expect(stored).toEqual(asStored(room));

    const made = unwrap(
      await api.PUT('/chats/{roomId}', { params: { path }, body: { title: room.title, visibility: 'private', password: 'now private' } }),
    );
    expect(made.visibility).toBe('private');
    const token = await api.authorize(room.id, 'now private', 'me');
    expect(token?.room_id).toBe(room.id);

    const back = unwrap(await api.PUT('/chats/{roomId}', { params: { path }, body: { title: room.title, visibility: 'public' } }));
    expect(back.visibility).toBe('public');
    const afterPublic = await server.client().POST('/chats/{roomId}/token', { params: { path }, body: { secret: 'now private', name: 'me' } });
    expect(afterPublic.response.status).toBe(200);
  });

  it('refuses a title another room has (102) and changes nothing', async () => {
    const taken = await api.createRoom({ title: uniqueTitle('Taken'), visibility: 'public' });
    const room = await api.createRoom({ title: uniqueTitle(), visibility: 'public' });
    const path = { roomId: String(room.id) };
    const refused = await api.PUT('/chats/{roomId}', { params: { path }, body: { title: taken.title.toUpperCase(), visibility: 'public' } });
    expect(refused.response.status).toBe(400);
    expect(refused.error).toMatchObject({ error: { code: 102, field: 'title' } });
    expect(unwrap(await api.GET('/chats/{roomId}', { params: { path } }))).toEqual(asStored(room));
  });

  it('lets a room change the case of its own title', async () => {
    const room = await api.createRoom({ title: uniqueTitle('case change'), visibility: 'public' });
    const updated = unwrap(
      await api.PUT('/chats/{roomId}', { params: { path: { roomId: String(room.id) } }, body: { title: room.title.toUpperCase(), visibility: 'public' } }),
    );
    expect(updated.title).toBe(room.title.toUpperCase());
  });

  it('answers 404 for an unknown room', async () => {
    const { response, error } = await api.PUT('/chats/{roomId}', {
      params: { path: { roomId: '987654' } },
      body: { title: 'Whatever', visibility: 'public' },
    });
    expect(response.status).toBe(404);
    expect(error).toMatchObject({ error: { code: 101 } });
  });
});

describe('deleteRoom', () => {
  it('deletes a public room: {"status": true}, then 404', async () => {
    const room = await api.createRoom({ title: uniqueTitle(), visibility: 'public' });
    const path = { roomId: room.title };
    expect(unwrap(await api.DELETE('/chats/{roomId}', { params: { path } }))).toEqual({ status: true });
    expect((await api.GET('/chats/{roomId}', { params: { path } })).response.status).toBe(404);
    expect((await api.DELETE('/chats/{roomId}', { params: { path } })).response.status).toBe(404);
  });

  it('needs a token for a hidden room', async () => {
    const room = await api.createRoom({ title: uniqueTitle(), visibility: 'hidden', password: 'long enough' });
    const path = { roomId: String(room.id) };
    const denied = await server.client().DELETE('/chats/{roomId}', { params: { path } });
    expect(denied.response.status).toBe(403);
    const owner = server.client();
    await owner.authorize(room.id, 'long enough', 'owner');
    expect(unwrap(await owner.DELETE('/chats/{roomId}', { params: { path } }))).toEqual({ status: true });
  });

  it('never reuses an id, and a new room with the old title rejects the old token', async () => {
    const title = uniqueTitle('Reborn');
    const first = await api.createRoom({ title, visibility: 'private', password: 'same password' });
    const owner = server.client();
    const token = (await owner.authorize(first.id, 'same password', 'owner'))!.token;
    unwrap(await owner.DELETE('/chats/{roomId}', { params: { path: { roomId: String(first.id) } } }));

    const second = await api.createRoom({ title, visibility: 'private', password: 'same password' });
    expect(second.id).toBeGreaterThan(first.id);
    const reused = server.client();
    reused.setToken(title, token);
    const attempt = await reused.DELETE('/chats/{roomId}', { params: { path: { roomId: title } } });
    expect(attempt.response.status).toBe(401);
    expect(attempt.error).toMatchObject({ error: { code: 401 } });
    expect(unwrap(await api.GET('/chats/{roomId}', { params: { path: { roomId: title } } })).id).toBe(second.id);
  });
});

describe('the SDK', () => {
  it('throws ChitChatError with the code and field from unwrap', async () => {
    const error = await api.createRoom({ title: 'x', visibility: 'public' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChitChatError);
    expect(error).toMatchObject({ status: 400, code: 105, field: 'title' });
  });
});
