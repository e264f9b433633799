import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unwrap } from '@chitchat/client';
import { startFerretDB } from '../support/local-server.js';
import { startTestServer } from '../support/server.js';
import { refusedUpgrade, TestSocket, wsUrl } from '../support/chat.js';

/** MongoDB through the whole server: restarts keep everything; an outage gives 503s and heals itself. */
describe.skipIf(!process.env.FERRETDB_BIN)('the MongoDB store under the server', () => {
  let db: Awaited<ReturnType<typeof startFerretDB>>;
  beforeAll(async () => {
    db = await startFerretDB();
  });
  afterAll(() => db.stop());

  it('keeps rooms, passwords and the id counter across a server restart', async () => {
    const uri = db.uri('restart');
    const first = await startTestServer({ mongodbUri: uri });
    const client = first.client();
    const kept = await client.createRoom({ title: 'Kept', description: 'survives', visibility: 'private', password: 'kept password' });
    const gone = await client.createRoom({ title: 'Gone', visibility: 'public' });
    await client.authorize(kept.id, 'kept password', 'owner');
    unwrap(await client.DELETE('/chats/{roomId}', { params: { path: { roomId: String(gone.id) } } }));
    const token = client.tokenFor(kept.id)!;
    const socket = await TestSocket.open(wsUrl(first.url, kept.id), { protocols: [token] });
    socket.send({ event_type: 'join', name: 'owner' });
    socket.send({ event_type: 'send', name: 'owner', msg: 'remember me' });
    await socket.next((e) => e.event_type === 'send');
    await socket.close();
    await first.close();

    const second = await startTestServer({ mongodbUri: uri });
    try {
      const again = second.client();
      const { owner_token: ownerToken, ...stored } = kept;
      expect(unwrap(await again.GET('/chats/{roomId}', { params: { path: { roomId: 'kept' } } }))).toEqual(stored);
      // The owner token is derived, not stored: it still manages the room after the restart.
      again.setOwnerToken(kept.id, ownerToken!);
      unwrap(await again.PUT('/chats/{roomId}', { params: { path: { roomId: String(kept.id) } }, body: { title: 'Kept', description: 'survives', visibility: 'private' } }));
      expect(unwrap(await again.GET('/chats/{roomId}', { params: { path: { roomId: '1' } } })).title).toBe('Public Chat');
      expect((await again.GET('/chats/{roomId}', { params: { path: { roomId: String(gone.id) } } })).response.status).toBe(404);
      const next = await again.createRoom({ title: 'After restart', visibility: 'public' });
      expect(next.id).toBe(gone.id + 1);
      again.setToken(kept.id, token);
      expect((await again.GET('/chats/{roomId}/token/renew', { params: { path: { roomId: String(kept.id) } } })).response.status).toBe(201);
      const history = unwrap(await again.GET('/chats/{roomId}/messages', { params: { path: { roomId: String(kept.id) } } }));
      expect(history.messages).toMatchObject([{ seq: 1, name: 'owner', msg: 'remember me' }]);
    } finally {
      await second.close();
    }
  });

  it('answers 503 while the database is down, keeps connected chats going, and recovers by itself', async () => {
    const server = await startTestServer({ mongodbUri: db.uri('outage') });
    try {
      const client = server.client();
      const room = await client.createRoom({ title: 'Outage', visibility: 'public' });
      const alice = await TestSocket.open(wsUrl(server.url, room.id));
      const bob = await TestSocket.open(wsUrl(server.url, room.id));
      alice.send({ event_type: 'join', name: 'alice' });
      await bob.next((e) => e.event_type === 'join' && e.name === 'alice');

      await db.stop();
      const health = await client.GET('/health');
      expect(health.response.status).toBe(503);
      expect(health.error).toMatchObject({ error: { code: 701 } });
      const create = await client.POST('/chats', { body: { title: 'During outage', visibility: 'public' } });
      expect(create.response.status).toBe(503);
      // New sockets cannot be admitted without the room (503), but those connected go on: leaves and
      // joins work; a send cannot be stored, so it is refused (701) rather than broadcast unstored.
      expect(await refusedUpgrade(wsUrl(server.url, room.id))).toMatchObject({ status: 503, body: { error: { code: 701 } } });
      alice.send({ event_type: 'leave', name: 'alice' });
      await bob.next((e) => e.event_type === 'leave' && e.name === 'alice');
      alice.send({ event_type: 'join', name: 'alice' });
      await bob.next((e) => e.event_type === 'join' && e.name === 'alice' && bob.events.filter((x) => x.event_type === 'join').length === 2);
      alice.send({ event_type: 'send', name: 'alice', msg: 'lost in the outage' });
      expect((await alice.nextError(10_000)).error).toMatchObject({ code: 701 }); // after server selection gives up (3 s)
      expect(bob.events.some((e) => e.event_type === 'send')).toBe(false);

      await db.resume();
      const until = Date.now() + 30_000;
      while ((await client.GET('/health')).response.status !== 200) {
        if (Date.now() > until) throw new Error('the server did not recover within 30 s');
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(unwrap(await client.GET('/chats/{roomId}', { params: { path: { roomId: 'Outage' } } })).id).toBe(room.id);
      expect((await client.POST('/chats', { body: { title: 'After outage', visibility: 'public' } })).response.status).toBe(201);
      alice.send({ event_type: 'send', name: 'alice', msg: 'back again' });
      expect(await bob.next((e) => e.event_type === 'send')).toMatchObject({ msg: 'back again', seq: 1 });
      await Promise.all([alice.close(), bob.close()]);
    } finally {
      await server.close();
    }
  }, 60_000);
});
