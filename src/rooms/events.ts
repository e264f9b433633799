/** A room changed: its new revision, or null once it is deleted. */
export interface RoomChange {
  roomId: number;
  revision: number | null;
}

/**
 * Room changes told to every instance, so that each closes the sockets a change ends (a deleted room,
 * a revoked token). `null` reaches listeners when changes may have been missed (the shared bus was
 * away): they re-read what they hold. Adapters: in-process, and Redis pub/sub.
 */
export interface RoomEvents {
  publish(change: RoomChange): Promise<void>;
  subscribe(listener: (change: RoomChange | null) => void): Promise<() => Promise<void>>;
}
