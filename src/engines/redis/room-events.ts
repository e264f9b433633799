import type { RoomChange, RoomEvents } from '../../rooms/events.js';
import type { RedisConnection } from './connection.js';
import { roomEventsChannel } from './keys.js';

/** Room changes on one Redis channel that every instance subscribes to. */
export class RedisRoomEvents implements RoomEvents {
  constructor(private readonly redis: RedisConnection) {}

  async publish(change: RoomChange): Promise<void> {
    await this.redis.guard(() => this.redis.command.publish(roomEventsChannel(this.redis.prefix), JSON.stringify(change)));
  }

  async subscribe(listener: (change: RoomChange | null) => void): Promise<() => Promise<void>> {
    const unsubscribe = await this.redis.subscribe(roomEventsChannel(this.redis.prefix), (message) => {
      let change: RoomChange;
      try {
        change = JSON.parse(message) as RoomChange;
      } catch {
        // Not ours (another deployment on the same prefix?): rather than fail, re-read every room.
        return listener(null);
      }
      listener(change);
    });
    this.redis.onResume(() => listener(null));
    return unsubscribe;
  }
}
