import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Broker } from '../chat/broker.js';
import type { RoomEvents } from '../rooms/events.js';
import type { Presence } from '../rooms/presence.js';
import type { MessageStore, RoomStore } from '../store/store.js';

export interface RateLimiterOptions {
  /** Which limit: limits of different names count separately. */
  name: string;
  points: number;
  durationSeconds: number;
}

/** The live state of chat: in this process, or in Redis shared by every instance. */
export interface LiveEngines {
  readonly kind: 'memory' | 'redis';
  readonly broker: Broker;
  readonly presence: Presence;
  readonly roomEvents: RoomEvents;
  rateLimiter(options: RateLimiterOptions): RateLimiterAbstract;
  /** Resolves once the engines answer; until then the operations that need them answer 701. */
  readonly ready: Promise<void>;
  /** Rejects with StoreUnavailableError while they do not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Everything the server keeps, chosen in one place (`openEngines`) and injected everywhere else. */
export interface Engines extends Omit<LiveEngines, 'kind'> {
  readonly kind: { store: RoomStore['kind']; live: LiveEngines['kind'] };
  readonly rooms: RoomStore;
  readonly messages: MessageStore;
}
