import { pino } from 'pino';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Broker } from '../../src/chat/broker.js';
import { InMemoryPresence, InProcessBroker, InProcessRoomEvents } from '../../src/engines/memory.js';
import { RedisBroker } from '../../src/engines/redis/broker.js';
import { RedisConnection } from '../../src/engines/redis/connection.js';
import { openRedisEngines } from '../../src/engines/redis/index.js';
import { RedisPresence } from '../../src/engines/redis/presence.js';
import { RedisRoomEvents } from '../../src/engines/redis/room-events.js';
import { loadConfig } from '../../src/config.js';
import type { RoomChange, RoomEvents } from '../../src/rooms/events.js';
import type { Presence } from '../../src/rooms/presence.js';

/**
 * One suite that every engine adapter passes: in-process, and Redis (TEST_REDIS_URL, `make test-redis`).
 * For Redis, `a` and `b` are two instances with connections of their own sharing one key prefix, as two
 * server processes are; in-process, there is one instance and both names point at it.
 */
const TTL = 60_000;
const silent = pino({ level: 'silent' });

interface Instance {
  broker: Broker;
  presence: Presence;
  events: RoomEvents;
}

interface Kind {
  name: string;
  skip: boolean;
  make(clock: () => number): Promise<{ a: Instance; b: Instance; close(): Promise<void> }>;
}

const redisUrl = process.env.TEST_REDIS_URL;
const kinds: Kind[] = [
  {
    name: 'in-process',
    skip: false,
    async make(clock) {
      const one = { broker: new InProcessBroker(), presence: new InMemoryPresence(TTL, clock), events: new InProcessRoomEvents() };
      return { a: one, b: one, close: async () => {} };
    },
  },
  {
    name: 'redis',
    skip: !redisUrl,
    async make(clock) {
      const prefix = `engines-test:${Math.random().toString(36).slice(2)}:`;
      const connections = [0, 1].map(() => new RedisConnection(redisUrl!, prefix, silent));
      await Promise.all(connections.map((c) => c.ready));
      const [a, b] = connections.map((c) => ({ broker: new RedisBroker(c), presence: new RedisPresence(c, TTL, clock), events: new RedisRoomEvents(c) }));
      return { a: a!, b: b!, close: async () => void (await Promise.all(connections.map((c) => c.close()))) };
    },
  },
];

/** Frames that reach `deliver`, and a way to wait until `count` have. */
function collector() {
  const frames: string[] = [];
  const seqs: (number | null)[] = [];
  const waiters: (() => void)[] = [];
  return {
    frames,
    seqs,
    deliver: (frame: string, seq: number | null) => {
      frames.push(frame);
      seqs.push(seq);
      waiters.splice(0).forEach((wake) => wake());
    },
    async until(count: number, ms = 2000) {
      const deadline = Date.now() + ms;
      while (frames.length < count) {
        if (Date.now() > deadline) throw new Error(`got ${JSON.stringify(frames)}, waited for ${count}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 20);
        });
      }
      return frames;
    },
  };
}

/** Waits long enough for a stray frame to arrive if one were coming, then returns what arrived. */
const settle = async <T>(value: () => T) => {
  await new Promise((r) => setTimeout(r, 100));
  return value();
};

let room = 0;

for (const kind of kinds) describe.skipIf(kind.skip)(`${kind.name} engines`, () => {
  let now = Date.now();
  let engines: Awaited<ReturnType<Kind['make']>>;

  beforeEach(async () => {
    room++;
    now = Date.now();
    engines ??= await kind.make(() => now);
  });
  afterAll(() => engines?.close());

  describe('broker', () => {
    it('delivers a room\'s frames to every subscriber of that room, on every instance, and only while subscribed', async () => {
      const here = collector();
      const there = collector();
      const elsewhere = collector();
      const stopHere = await engines.a.broker.subscribe(room, here.deliver);
      await engines.b.broker.subscribe(room, there.deliver);
      await engines.b.broker.subscribe(room + 1000, elsewhere.deliver);
      await engines.a.broker.publish(room, 'one');
      await engines.b.broker.publish(room, 'two');
      expect(await here.until(2)).toEqual(['one', 'two']);
      expect(await there.until(2)).toEqual(['one', 'two']);
      await stopHere();
      await engines.b.broker.publish(room, 'three');
      expect(await there.until(3)).toEqual(['one', 'two', 'three']);
      expect(await settle(() => [here.frames.length, elsewhere.frames.length])).toEqual([2, 0]);
    });

    it('holds a message back until every lower seq is delivered, then delivers the run in order, each once', async () => {
      const watcher = collector();
      await engines.b.broker.subscribe(room, watcher.deliver);
      await engines.a.broker.open(room, 0);
      expect(await engines.a.broker.publishMessage(room, 3, 'm3')).toBe(false);
      expect(await engines.b.broker.publishMessage(room, 2, 'm2')).toBe(false);
      expect(await settle(() => watcher.frames)).toEqual([]);
      expect(await engines.b.broker.publishMessage(room, 1, 'm1')).toBe(true);
      expect(await watcher.until(3)).toEqual(['m1', 'm2', 'm3']);
      // Delivered already: a second publish of the same seq (a repair racing its sender) changes nothing.
      expect(await engines.a.broker.publishMessage(room, 2, 'm2 again')).toBe(true);
      expect(await engines.a.broker.publishMessage(room, 4, 'm4')).toBe(true);
      expect(await watcher.until(4)).toEqual(['m1', 'm2', 'm3', 'm4']);
      expect(await settle(() => watcher.frames.length)).toBe(4);
      expect(watcher.seqs).toEqual([1, 2, 3, 4]);
    });

    it('holds messages while it has no position in the room, never guessing one, and goes on once it is given one', async () => {
      const watcher = collector();
      await engines.b.broker.subscribe(room, watcher.deliver);
      // As after Redis lost its data: two senders publish, the higher number first.
      expect(await engines.a.broker.publishMessage(room, 8, 'm8')).toBe(false);
      expect(await engines.b.broker.publishMessage(room, 7, 'm7')).toBe(false);
      expect(await engines.a.broker.missingBefore(room, 8, 100)).toEqual([]);
      expect(await settle(() => watcher.frames)).toEqual([]);
      await engines.b.broker.open(room, 6);
      // A repair publishes the waiting message again: now it is the next one, and what it held follows.
      expect(await engines.b.broker.publishMessage(room, 7, 'm7')).toBe(true);
      expect(await watcher.until(2)).toEqual(['m7', 'm8']);
      expect(watcher.seqs).toEqual([7, 8]);
    });

    it('delivers other frames at once, without a number', async () => {
      const watcher = collector();
      await engines.a.broker.subscribe(room, watcher.deliver);
      await engines.b.broker.publish(room, '{"event_type":"join"}');
      expect(await watcher.until(1)).toEqual(['{"event_type":"join"}']);
      expect(watcher.seqs).toEqual([null]);
    });

    it('names the gaps a held message waits on, and a skip releases what waits behind it', async () => {
      const watcher = collector();
      await engines.a.broker.subscribe(room, watcher.deliver);
      await engines.a.broker.open(room, 10);
      await engines.a.broker.publishMessage(room, 15, 'm15');
      await engines.b.broker.publishMessage(room, 13, 'm13');
      expect(await engines.b.broker.missingBefore(room, 15, 100)).toEqual([11, 12, 14]);
      expect(await engines.b.broker.missingBefore(room, 15, 2)).toEqual([11, 12]);
      await engines.b.broker.publishMessage(room, 11, 'm11');
      await engines.a.broker.skip(room, 12);
      expect(await watcher.until(2)).toEqual(['m11', 'm13']);
      expect(await engines.a.broker.missingBefore(room, 15, 100)).toEqual([14]);
      await engines.b.broker.skip(room, 14);
      expect(await watcher.until(3)).toEqual(['m11', 'm13', 'm15']);
      expect(await engines.a.broker.missingBefore(room, 15, 100)).toEqual([]);
    });

    it('keeps the position it has when opened again', async () => {
      const watcher = collector();
      await engines.a.broker.subscribe(room, watcher.deliver);
      await engines.a.broker.open(room, 5);
      await engines.b.broker.open(room, 0);
      expect(await engines.b.broker.publishMessage(room, 6, 'm6')).toBe(true);
      expect(await watcher.until(1)).toEqual(['m6']);
    });
  });

  describe('presence', () => {
    const user = (username: string, color = 'teal') => ({ username, color, last_activity: new Date(now).toISOString() });

    it('claims a name once per room, compared folded, whichever instance asks', async () => {
      expect(await engines.a.presence.join(room, 'a:1', user('David'))).toEqual({ joined: true, departed: [] });
      expect((await engines.b.presence.join(room, 'b:1', user('ＤＡＶＩＤ'))).joined).toBe(false);
      expect((await engines.b.presence.join(room + 1000, 'b:1', user('david'))).joined).toBe(true);
      expect(await engines.b.presence.usersIn(room)).toEqual([user('David')]);
    });

    it('lets exactly one of many simultaneous claims of a name win', async () => {
      const claims = Array.from({ length: 20 }, (_, i) => (i % 2 ? engines.a : engines.b).presence.join(room, `c:${i}`, user(`Eve`)));
      const results = await Promise.all(claims);
      expect(results.filter((r) => r.joined)).toHaveLength(1);
      expect((await engines.a.presence.usersIn(room)).map((u) => u.username)).toEqual(['Eve']);
    });

    it('gives a departing entry back once, and frees its name', async () => {
      await engines.a.presence.join(room, 'a:1', user('frank', 'red'));
      expect(await engines.b.presence.leave(room, 'a:1')).toMatchObject({ username: 'frank', color: 'red' });
      expect(await engines.a.presence.leave(room, 'a:1')).toBeNull();
      expect((await engines.b.presence.join(room, 'b:2', user('FRANK'))).joined).toBe(true);
      expect((await engines.a.presence.usersIn(room)).map((u) => u.username)).toEqual(['FRANK']);
    });

    it('shows the last activity a touch recorded', async () => {
      await engines.a.presence.join(room, 'a:1', user('gina'));
      const later = new Date(now + 5000).toISOString();
      await engines.a.presence.touch(room, 'a:1', later);
      expect(await engines.b.presence.usersIn(room)).toEqual([{ ...user('gina'), last_activity: later }]);
    });

    it('drops an entry whose lease ran out: gone from users at once, handed to exactly one reaper, its name free', async () => {
      const alive = { connectionId: 'a:1', user: user('alive') };
      await engines.a.presence.join(room, 'a:1', user('alive'));
      await engines.b.presence.join(room, 'b:1', user('crashed'));
      now += TTL / 2;
      expect(await engines.a.presence.refresh(room, [alive])).toEqual({ departed: [], restored: [], refused: [] });
      now += TTL / 2 + 1; // b's lease is over, a's was extended
      expect((await engines.a.presence.usersIn(room)).map((u) => u.username)).toEqual(['alive']);
      // The shared engine reaps only what ended before it last heard from Redis: one refresh later at most.
      const reaped = [];
      for (let i = 0; i < 3; i++) {
        const rounds = await Promise.all([engines.a.presence.refresh(room, [alive]), engines.b.presence.refresh(room, [])]);
        reaped.push(...rounds.flatMap((r) => r.departed.map((u) => u.username)));
      }
      expect(reaped).toEqual(['crashed']);
      expect((await engines.b.presence.join(room, 'b:2', user('Crashed'))).joined).toBe(true);
    });

    it('puts back the entries of present users that went missing, unless another connection took the name', async () => {
      await engines.a.presence.join(room, 'a:1', user('kept'));
      await engines.a.presence.join(room, 'a:2', user('taken'));
      await engines.b.presence.forgetRoom(room); // as a Redis that restarted empty
      await engines.b.presence.join(room, 'b:1', user('TAKEN'));
      const present = [
        { connectionId: 'a:1', user: user('kept') },
        { connectionId: 'a:2', user: user('taken') },
      ];
      expect(await engines.a.presence.refresh(room, present)).toEqual({ departed: [], restored: [user('kept')], refused: ['a:2'] });
      expect(await engines.a.presence.refresh(room, present.slice(0, 1))).toEqual({ departed: [], restored: [], refused: [] });
      expect((await engines.b.presence.usersIn(room)).map((u) => u.username).sort()).toEqual(['TAKEN', 'kept']);
    });

    it('a join meeting an expired holder of its name takes the name and hands the holder back to announce', async () => {
      await engines.b.presence.join(room, 'b:1', user('holly'));
      now += TTL + 1;
      // Heard from Redis after the lease ended (this may reap it already), then the join.
      const { departed: before } = await engines.a.presence.refresh(room, []);
      const { joined, departed } = await engines.a.presence.join(room, 'a:1', user('Holly'));
      expect(joined).toBe(true);
      expect([...before, ...departed].map((u) => u.username)).toEqual(['holly']);
    });

    it('releases the old name of a connection that joins again under another', async () => {
      await engines.a.presence.join(room, 'a:1', user('first'));
      await engines.a.presence.join(room, 'a:1', user('second'));
      expect((await engines.b.presence.join(room, 'b:1', user('first'))).joined).toBe(true);
      expect((await engines.a.presence.usersIn(room)).map((u) => u.username).sort()).toEqual(['first', 'second']);
    });

    it('keeps any string a client may send, lone surrogates and quotes included', async () => {
      const odd = user('\ud800"x\\ \u{1F600}');
      expect((await engines.a.presence.join(room, 'a:1', odd)).joined).toBe(true);
      expect(await engines.b.presence.usersIn(room)).toEqual([odd]);
      expect(await engines.b.presence.leave(room, 'a:1')).toEqual(odd);
    });

    it('forgets a room', async () => {
      await engines.a.presence.join(room, 'a:1', user('ivan'));
      await engines.b.presence.forgetRoom(room);
      expect(await engines.a.presence.usersIn(room)).toEqual([]);
      expect((await engines.a.presence.join(room, 'a:2', user('ivan'))).joined).toBe(true);
    });
  });

  describe('room events', () => {
    it('reach every instance until unsubscribed', async () => {
      const seen: { at: string; change: RoomChange | null }[] = [];
      const stopA = await engines.a.events.subscribe((change) => seen.push({ at: 'a', change }));
      const stopB = await engines.b.events.subscribe((change) => seen.push({ at: 'b', change }));
      await engines.a.events.publish({ roomId: room, revision: 3 });
      await engines.b.events.publish({ roomId: room, revision: null });
      const expected = [
        { at: 'a', change: { roomId: room, revision: 3 } },
        { at: 'b', change: { roomId: room, revision: 3 } },
        { at: 'a', change: { roomId: room, revision: null } },
        { at: 'b', change: { roomId: room, revision: null } },
      ];
      const byInstance = (at: string) => seen.filter((s) => s.at === at);
      await expect.poll(() => seen.length, { timeout: 2000 }).toBe(4);
      expect(byInstance('a')).toEqual(expected.filter((e) => e.at === 'a'));
      expect(byInstance('b')).toEqual(expected.filter((e) => e.at === 'b'));
      await stopA();
      await stopB();
      await engines.a.events.publish({ roomId: room, revision: 4 });
      expect(await settle(() => seen.length)).toBe(4);
    });
  });
});

describe.skipIf(!redisUrl)('redis rate limits', () => {
  it('count one limit across instances', async () => {
    const config = loadConfig({ SECRET_KEY: 'x'.repeat(32), MONGODB_URI: 'mongodb://unused', REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `rl-test:${Math.random()}:` });
    const [a, b] = [openRedisEngines({ ...config, redisUrl: redisUrl! }, silent), openRedisEngines({ ...config, redisUrl: redisUrl! }, silent)];
    try {
      await Promise.all([a!.ready, b!.ready]);
      const options = { name: 'rest', points: 3, durationSeconds: 60 };
      const [limitA, limitB] = [a!.rateLimiter(options), b!.rateLimiter(options)];
      await limitA.consume('203.0.113.7');
      await limitB.consume('203.0.113.7');
      await limitA.consume('203.0.113.7');
      await expect(limitB.consume('203.0.113.7')).rejects.toMatchObject({ remainingPoints: 0 });
      await expect(limitB.consume('203.0.113.8')).resolves.toMatchObject({ remainingPoints: 2 });
    } finally {
      await Promise.all([a!.close(), b!.close()]);
    }
  });
});
