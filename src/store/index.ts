import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { MemoryRoomStore } from './memory.js';
import type { RoomStore } from './store.js';

export type { RoomStore } from './store.js';

/** Picks the store adapter from the configuration. */
export async function openStore(config: Config, logger: Logger): Promise<RoomStore> {
  if (config.mongodbUri) {
    throw new Error('MONGODB_URI is set, but the MongoDB store is not part of this build yet; unset it to use the in-memory store');
  }
  logger.info({ store: 'memory' }, 'using the embedded in-memory store: data lives in this process and is lost when it stops');
  return new MemoryRoomStore();
}
