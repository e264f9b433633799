import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Broker } from '../chat/broker.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { MemoryMessageStore } from '../store/memory-messages.js';
import { MemoryRoomStore } from '../store/memory.js';
import { withDeadline } from '../store/deadline.js';
import type { MessageStore, RoomStore } from '../store/store.js';
import type { Engines, LiveEngines } from './engines.js';
import { InMemoryPresence, InProcessBroker, InProcessRoomEvents } from './memory.js';

export type { Engines, LiveEngines, RateLimiterOptions } from './engines.js';

interface Stores {
  rooms: RoomStore;
  messages: MessageStore;
  ready: Promise<void>;
  /**
   * Whether an operation can be left waiting, and so needs the store deadline. The embedded store answers
   * within the call, where no deadline can fire; wrapping it cost every read a proxy trap, a WeakMap
   * lookup and a closure call. Stores given as overrides are not known to answer at once.
   */
  canStall: boolean;
}

/**
 * MongoDB when MONGODB_URI is set, else memory. `ready` resolves once the store answers; the server
 * listens before that and answers 503 meanwhile. mongoose is loaded only when it is used: on the memory
 * store it would cost ~15 MB for nothing.
 */
async function openStores(config: Config, logger: Logger): Promise<Stores> {
  if (config.mongodbUri) {
    logger.info({ store: 'mongo' }, 'using MongoDB (MONGODB_URI)');
    const { MongoRoomStore } = await import('../store/mongo.js');
    const { store, ready } = MongoRoomStore.open(config.mongodbUri, logger);
    return { rooms: store, messages: store, ready, canStall: true };
  }
  logger.info({ store: 'memory' }, 'using the embedded in-memory store: data lives in this process and is lost when it stops');
  return { rooms: new MemoryRoomStore(), messages: new MemoryMessageStore(), ready: Promise.resolve(), canStall: false };
}

function inProcessEngines(config: Config): LiveEngines {
  return {
    kind: 'memory',
    broker: new InProcessBroker(),
    presence: new InMemoryPresence(config.presenceTtlMs),
    roomEvents: new InProcessRoomEvents(),
    rateLimiter: ({ name, points, durationSeconds }) => new RateLimiterMemory({ keyPrefix: name, points, duration: durationSeconds }),
    ready: Promise.resolve(),
    ping: async () => {},
    close: async () => {},
  };
}

/** Engines given instead of the configured ones. A room store given alone comes with in-memory history. */
export interface EngineOverrides {
  rooms?: RoomStore;
  messages?: MessageStore;
  broker?: Broker;
}

/**
 * The one place that picks the engines (Centrifugo's configureEngines): REDIS_URL unset, everything
 * lives in this process; set, Redis carries fan-out, presence, room events and rate limits (ioredis is
 * loaded only then). `overrides` replace what the configuration would pick.
 */
export async function openEngines(config: Config, logger: Logger, overrides: EngineOverrides = {}): Promise<Engines> {
  const stores: Stores = overrides.rooms
    ? { rooms: overrides.rooms, messages: overrides.messages ?? new MemoryMessageStore(), ready: Promise.resolve(), canStall: true }
    : await openStores(config, logger);
  let live: LiveEngines;
  if (config.redisUrl) {
    logger.info({ live: 'redis' }, 'sharing fan-out, presence, room events and rate limits through Redis (REDIS_URL)');
    const { openRedisEngines } = await import('./redis/index.js');
    live = openRedisEngines({ ...config, redisUrl: config.redisUrl }, logger);
  } else {
    live = inProcessEngines(config);
  }
  const deadlineMs = stores.canStall ? config.storeTimeoutMs : 0;
  const rooms = withDeadline(stores.rooms, deadlineMs);
  const messages = withDeadline(stores.messages, deadlineMs);
  return {
    ...live,
    broker: overrides.broker ?? live.broker,
    kind: { store: rooms.kind, live: live.kind },
    rooms,
    messages,
    ready: Promise.all([stores.ready, live.ready]).then(() => undefined),
    async ping() {
      await Promise.all([rooms.ping(), live.ping()]);
    },
    async close() {
      await live.close();
      await rooms.close();
    },
  };
}
