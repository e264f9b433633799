import { createChitChatClient, unwrap, type Room } from '@chitchat/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerEvent } from '../../generated/asyncapi.js';
import { TestSocket, wsUrl } from '../support/chat.js';
import { startRedis } from '../support/local-server.js';
import { startInstance, waitFor, type Instance } from '../support/process.js';
import { testDatabaseUri } from '../support/server.js';

/**
 * Several `npm start` processes on their own ports, sharing one Redis (a server of this suite's own, so
 * that it can be killed and started again) and one MongoDB-wire database: what a client meets behind a
 * load balancer. `make test-redis` provides both (REDIS_BIN, TEST_MONGODB_URI).
 */
const enabled = Boolean(process.env.REDIS_BIN && process.env.TEST_MONGODB_URI);
const PRESENCE_TTL_MS = 2000;
const SECRET_KEY = 'scale-test-secret-key-0123456789';

type Said = Extract<ServerEvent, { event_type: 'send' }>;
const said = (e: ServerEvent): e is Said => e.event_type === 'send';

describe.skipIf(!enabled)('several instances as one chat service', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  const instances: Instance[] = [];
  let a: Instance;
  let b: Instance;
  let counter = 0;

  const envFor = (extra: Record<string, string> = {}) => ({
    REDIS_URL: redis.url,
    MONGODB_URI: testDatabaseUri(`scale_${process.pid}`)!,
    SECRET_KEY,
    PRESENCE_TTL_MS: String(PRESENCE_TTL_MS),
    CHAT_RATE_PER_SECOND: '1000',
    CHAT_RATE_BURST: '1000',
    ...extra,
  });
  const start = async (extra?: Record<string, string>) => {
    const instance = await startInstance(envFor(extra));
    instances.push(instance);
    await waitFor(async () => (await fetch(`${instance.url}/health`).catch(() => null))?.status === 200, 'the instance to be ready');
    return instance;
  };
  const api = (instance: Instance) => createChitChatClient({ baseUrl: instance.url });
  const publicRoom = async (via: Instance) => api(via).createRoom({ title: `Scale ${process.pid} ${++counter}`, visibility: 'public' });
  const open = (via: Instance, room: Room, protocols?: string[]) => TestSocket.open(wsUrl(via.url, room.id), { protocols });
  const usersIn = async (via: Instance, room: Room) =>
    unwrap(await api(via).GET('/chats/{roomId}', { params: { path: { roomId: String(room.id) } } })).users.map((u) => u.username).sort();
  /** The room's whole history, oldest first, page by page. */
  async function history(via: Instance, room: Room) {
    const messages = [];
    let cursor: string | undefined;
    do {
      const page = unwrap(await api(via).GET('/chats/{roomId}/messages', { params: { path: { roomId: String(room.id) }, query: { limit: 100, cursor } } }));
      messages.push(...page.messages);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return messages.reverse();
  }
  async function joined(via: Instance, room: Room, name: string, protocols?: string[]) {
    const socket = await open(via, room, protocols);
    socket.send({ event_type: 'join', name, color: 'teal' });
    await socket.next((e) => e.event_type === 'join' && e.name === name);
    return socket;
  }

  beforeAll(async () => {
    redis = await startRedis();
    [a, b] = await Promise.all([start(), start()]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.signal('SIGTERM')));
    await redis?.stop();
  }, 30_000);

  it('reports the shared engines in /health, each instance with an id of its own', async () => {
    const health = await Promise.all([a, b].map(async (i) => (await fetch(`${i.url}/health`)).json()));
    expect(health).toEqual([0, 1].map(() => expect.objectContaining({ status: true, store: 'mongo', live: 'redis' })));
    expect(health[0].instance).not.toBe(health[1].instance);
  });

  it('delivers joins, messages and leaves from one instance to watchers on the other, each once', async () => {
    const room = await publicRoom(a);
    const alice = await joined(a, room, 'alice');
    const bob = await joined(b, room, 'bob');
    await alice.next((e) => e.event_type === 'join' && e.name === 'bob');
    expect(await usersIn(a, room)).toEqual(['alice', 'bob']);

    bob.send({ event_type: 'send', name: 'bob', msg: 'hello from b' });
    alice.send({ event_type: 'send', name: 'alice', msg: 'hello from a' });
    for (const socket of [alice, bob]) {
      await socket.next((e) => said(e) && e.msg === 'hello from a');
      await socket.next((e) => said(e) && e.msg === 'hello from b');
    }
    alice.send({ event_type: 'leave', name: 'alice' });
    await bob.next((e) => e.event_type === 'leave' && e.name === 'alice');
    // A marker after everything else: once it is in, nothing else is on its way.
    bob.send({ event_type: 'send', name: 'bob', msg: 'marker' });
    for (const socket of [alice, bob]) {
      await socket.next((e) => said(e) && e.msg === 'marker');
      expect(socket.events.filter(said).map((e) => [e.seq, e.msg])).toEqual([
        [1, expect.stringMatching(/^hello from/)],
        [2, expect.stringMatching(/^hello from/)],
        [3, 'marker'],
      ]);
    }
    expect(bob.events.filter((e) => e.event_type === 'leave')).toHaveLength(1);
    expect(await usersIn(b, room)).toEqual(['bob']);
    await Promise.all([alice.close(), bob.close()]);
  });

  it('shows every watcher on every instance one order of messages, with no gap or duplicate, when senders on both instances send at once; history agrees', async () => {
    const room = await publicRoom(a);
    const watchers = await Promise.all([a, a, b, b].map((via) => open(via, room)));
    const senders = await Promise.all([a, b, a, b].map((via, i) => joined(via, room, `sender${i}`)));
    const PER_SENDER = 40;
    const total = PER_SENDER * senders.length;
    senders.forEach((sender, i) => {
      for (let n = 0; n < PER_SENDER; n++) sender.send({ event_type: 'send', name: `sender${i}`, msg: `${i}:${n}` });
    });
    for (const watcher of watchers) await waitFor(() => watcher.events.filter(said).length >= total, 'every message at every watcher', 30_000);

    const seen = watchers.map((w) => w.events.filter(said).map((e) => `${e.seq} ${e.msg}`));
    const reference = seen[0]!;
    expect(reference).toHaveLength(total);
    expect(reference.map((line) => Number(line.split(' ')[0]))).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(new Set(reference.map((line) => line.split(' ')[1])).size).toBe(total);
    for (const other of seen.slice(1)) expect(other).toEqual(reference);
    // Each sender's own messages keep the order it sent them in.
    for (let i = 0; i < senders.length; i++) {
      const own = reference.map((line) => line.split(' ')[1]!).filter((msg) => msg.startsWith(`${i}:`));
      expect(own).toEqual(Array.from({ length: PER_SENDER }, (_, n) => `${i}:${n}`));
    }
    expect((await history(b, room)).map((m) => `${m.seq} ${m.msg}`)).toEqual(reference);
    await Promise.all([...watchers, ...senders].map((s) => s.close()));
  });

  it('lets exactly one of two sockets on two instances claim a name at the same moment', async () => {
    const room = await publicRoom(a);
    for (let round = 0; round < 10; round++) {
      const name = `david${round}`;
      const [onA, onB] = await Promise.all([open(a, room), open(b, room)]);
      onA.send({ event_type: 'join', name });
      onB.send({ event_type: 'join', name });
      // Both see the winner's join; the loser alone gets 202.
      await Promise.all([onA, onB].map((s) => s.next((e) => e.event_type === 'join' && e.name === name)));
      await waitFor(() => [onA, onB].some((s) => s.events.some((e) => e.event_type === 'error')), 'the refusal', 3000);
      onA.send({ event_type: 'leave', name: 'nobody' }); // answered 201 or 204 after everything before it: a marker
      await onA.next((e) => e.event_type === 'error' && e.error.code !== 202);
      const refusals = [onA, onB].flatMap((s) => s.events.filter((e) => e.event_type === 'error' && e.error.code === 202));
      expect(refusals).toEqual([expect.objectContaining({ error: expect.objectContaining({ code: 202, field: 'name' }) })]);
      for (const socket of [onA, onB]) expect(socket.events.filter((e) => e.event_type === 'join' && e.name === name)).toHaveLength(1);
      expect((await usersIn(b, room)).filter((u) => u === name)).toEqual([name]);
      await Promise.all([onA.close(), onB.close()]);
    }
  });

  it('closes the sockets of a deleted room, and of a room whose password changed, on every instance', async () => {
    const client = api(a);
    const room = await client.createRoom({ title: `Scale private ${process.pid}`, visibility: 'private', password: 'first password' });
    const tokenFor = async (name: string) => (await client.authorize(room.id, 'first password', name))!.token;
    const [onA, onB] = await Promise.all([joined(a, room, 'pat', [await tokenFor('pat')]), joined(b, room, 'quinn', [await tokenFor('quinn')])]);
    const changed = await fetch(`${b.url}/chats/${room.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor('admin')}` },
      body: JSON.stringify({ title: room.title, visibility: 'private', password: 'second password' }),
    });
    expect(changed.status).toBe(200);
    expect(await Promise.all([onA.closed, onB.closed])).toEqual([0, 1].map(() => ({ code: 4401, reason: 'Token revoked' })));

    const open2 = await publicRoom(b);
    const [x, y] = await Promise.all([joined(a, open2, 'xena'), joined(b, open2, 'yuri')]);
    // Deleted through the other instance than the one that created it: the owner token is good on every instance.
    expect((await fetch(`${a.url}/chats/${open2.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${open2.owner_token}` } })).status).toBe(200);
    expect(await Promise.all([x.closed, y.closed])).toEqual([0, 1].map(() => ({ code: 4404, reason: 'Room deleted' })));
  });

  it('removes a killed instance\'s users and tells the room they left, within the presence lease', async () => {
    const doomed = await start();
    const room = await publicRoom(a);
    const watcher = await joined(a, room, 'watcher');
    await joined(doomed, room, 'zoe');
    await watcher.next((e) => e.event_type === 'join' && e.name === 'zoe');
    expect(await usersIn(b, room)).toEqual(['watcher', 'zoe']);

    const killedAt = Date.now();
    await doomed.signal('SIGKILL');
    await watcher.next((e) => e.event_type === 'leave' && e.name === 'zoe', PRESENCE_TTL_MS * 3);
    const elapsed = Date.now() - killedAt;
    // The lease, plus two refresh periods of the instance that notices, plus scheduling slack.
    expect(elapsed).toBeLessThan(PRESENCE_TTL_MS * 1.5 + 3000);
    expect(await usersIn(b, room)).toEqual(['watcher']);
    const again = await joined(b, room, 'zoe');
    watcher.send({ event_type: 'send', name: 'watcher', msg: 'marker' });
    await watcher.next((e) => said(e) && e.msg === 'marker');
    expect(watcher.events.filter((e) => e.event_type === 'leave' && e.name === 'zoe')).toHaveLength(1);
    await Promise.all([watcher.close(), again.close()]);
  });

  it('SIGTERM on an instance closes its sockets with 1001 and takes its users out of the room at once', async () => {
    const leaving = await start();
    const room = await publicRoom(a);
    const watcher = await joined(a, room, 'stayer');
    const goer = await joined(leaving, room, 'goer');
    await watcher.next((e) => e.event_type === 'join' && e.name === 'goer');
    const stopped = leaving.signal('SIGTERM');
    expect(await goer.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
    await watcher.next((e) => e.event_type === 'leave' && e.name === 'goer', 3000);
    expect(await usersIn(b, room)).toEqual(['stayer']);
    expect(await stopped).toBeUndefined();
    await watcher.close();
  });

  it('counts one rate limit per client across instances, naming the client by X-Forwarded-For only from a trusted proxy', async () => {
    const limited = { RATE_LIMIT: '6', RATE_LIMIT_WINDOW_MS: '60000', REDIS_KEY_PREFIX: `rate-${process.pid}:` };
    const [p, q, behindProxy] = await Promise.all([start(limited), start(limited), start({ ...limited, TRUST_PROXY: 'loopback' })]);
    const get = (via: Instance, forwardedFor?: string) =>
      fetch(`${via.url}/chats/1`, { headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });
    const statuses: number[] = [];
    // Untrusted: a forged X-Forwarded-For changes nothing, the socket's address is the client.
    for (const via of [p, q, p, q, p, q]) statuses.push((await get(via, `198.51.100.${statuses.length}`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    for (const via of [p, q]) {
      const refused = await get(via);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
      expect(await refused.json()).toMatchObject({ error: { code: 605 } });
    }
    // Behind a trusted proxy each forwarded client has a limit of its own, shared by the instances too.
    expect((await get(behindProxy)).status).toBe(429);
    expect((await get(behindProxy, '203.0.113.9')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await get(behindProxy, '203.0.113.9')).status).toBe(200);
    expect((await get(behindProxy, '203.0.113.9')).status).toBe(429);
    expect((await get(behindProxy, '203.0.113.10')).status).toBe(200);
  });

  it('keeps the users of live instances through a Redis stall longer than the presence lease: nobody leaves, and chat goes on', async () => {
    const room = await publicRoom(a);
    const uma = await joined(a, room, 'uma');
    const vic = await joined(b, room, 'vic');
    await uma.next((e) => e.event_type === 'join' && e.name === 'vic');
    redis.signal('SIGSTOP');
    await new Promise((r) => setTimeout(r, PRESENCE_TTL_MS * 1.5));
    redis.signal('SIGCONT');
    for (const via of [a, b]) await waitFor(async () => (await fetch(`${via.url}/health`)).status === 200, 'health to recover', 10_000);
    // Past a refresh period of both instances: any reaping would have happened by now.
    await new Promise((r) => setTimeout(r, PRESENCE_TTL_MS));
    vic.send({ event_type: 'send', name: 'vic', msg: 'still here' });
    await uma.next((e) => said(e) && e.msg === 'still here', 5000);
    expect(await usersIn(a, room)).toEqual(['uma', 'vic']);
    for (const socket of [uma, vic]) expect(socket.events.filter((e) => e.event_type === 'leave')).toEqual([]);
    await Promise.all([uma.close(), vic.close()]);
  });

  it('rides out a Redis restart: 503 and error events meanwhile, nothing stored lost, and everything back by itself', async () => {
    const room = await publicRoom(a);
    const ann = await joined(a, room, 'ann');
    const ben = await joined(b, room, 'ben');
    for (let n = 1; n <= 5; n++) ann.send({ event_type: 'send', name: 'ann', msg: `before ${n}` });
    await ben.next((e) => said(e) && e.msg === 'before 5');

    await redis.stop('SIGKILL');
    for (const via of [a, b]) {
      const health = await fetch(`${via.url}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ error: { code: 701 } });
      const room1 = await fetch(`${via.url}/chats/${room.id}`);
      expect(room1.status).toBe(503);
    }
    ann.send({ event_type: 'send', name: 'ann', msg: 'during the outage' });
    expect((await ann.nextError()).error).toMatchObject({ code: 701 });
    // What was stored is still there, read from MongoDB.
    expect((await history(b, room)).map((m) => m.msg)).toEqual(['before 1', 'before 2', 'before 3', 'before 4', 'before 5']);

    await redis.resume(); // empty: this Redis keeps nothing on disk
    for (const via of [a, b]) await waitFor(async () => (await fetch(`${via.url}/health`)).status === 200, 'health to recover', 10_000);
    await waitFor(async () => (await usersIn(a, room)).join() === 'ann,ben', 'presence to be restored', 10_000);
    ben.send({ event_type: 'send', name: 'ben', msg: 'after' });
    const after = await ann.next<Said>((e) => said(e) && e.msg === 'after', 5000);
    expect(after.seq).toBe(6);
    expect((await history(a, room)).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect([ann.ws.readyState, ben.ws.readyState]).toEqual([1, 1]);
    await Promise.all([ann.close(), ben.close()]);
  });
});
