import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { MemoryMessageStore } from './memory-messages.js';
import { MemoryRoomStore } from './memory.js';
import type { MessageStore, RoomStore } from './store.js';

export type { MessageStore, RoomStore } from './store.js';

export interface OpenedStores {
  rooms: RoomStore;
  messages: MessageStore;
  ready: Promise<void>;
}

/**
 * Picks the store adapter from the configuration: MongoDB when MONGODB_URI is set, else memory.
 * `ready` resolves once the store answers; the server listens before that and answers 503 meanwhile.
 * mongoose is loaded only when it is used: on the memory store it would cost ~15 MB for nothing.
 */
export async function openStores(config: Config, logger: Logger): Promise<OpenedStores> {
  if (config.mongodbUri) {
    logger.info({ store: 'mongo' }, 'using MongoDB (MONGODB_URI)');
    const { MongoRoomStore } = await import('./mongo.js');
    const { store, ready } = MongoRoomStore.open(config.mongodbUri, logger);
    return { rooms: store, messages: store, ready };
  }
  logger.info({ store: 'memory' }, 'using the embedded in-memory store: data lives in this process and is lost when it stops');
  return { rooms: new MemoryRoomStore(), messages: new MemoryMessageStore(), ready: Promise.resolve() };
}
