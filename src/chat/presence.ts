import type { components } from '../../generated/openapi.js';

export type RoomUser = components['schemas']['RoomUser'];

/**
 * Who is in each room now. The chat layer writes it; the REST layer reads it into a room's `users`.
 * Asynchronous so that a shared adapter (Redis, with entries owned by an instance and leased) can
 * take the in-process one's place without changing its callers.
 */
export interface Presence {
  /** Adds the user unless the name is taken in the room (case-insensitive); false when it is. */
  join(roomId: number, user: RoomUser): Promise<boolean>;
  leave(roomId: number, username: string): Promise<void>;
  touch(roomId: number, username: string, at: string): Promise<void>;
  usersIn(roomId: number): Promise<RoomUser[]>;
  forgetRoom(roomId: number): Promise<void>;
}

export const nameKey = (username: string) => username.normalize('NFKC').toLowerCase();

export class InMemoryPresence implements Presence {
  private readonly rooms = new Map<number, Map<string, RoomUser>>();

  async join(roomId: number, user: RoomUser): Promise<boolean> {
    let users = this.rooms.get(roomId);
    if (!users) this.rooms.set(roomId, (users = new Map()));
    const key = nameKey(user.username);
    if (users.has(key)) return false;
    users.set(key, { ...user });
    return true;
  }

  async leave(roomId: number, username: string): Promise<void> {
    const users = this.rooms.get(roomId);
    users?.delete(nameKey(username));
    if (users?.size === 0) this.rooms.delete(roomId);
  }

  async touch(roomId: number, username: string, at: string): Promise<void> {
    const user = this.rooms.get(roomId)?.get(nameKey(username));
    if (user) user.last_activity = at;
  }

  async usersIn(roomId: number): Promise<RoomUser[]> {
    return [...(this.rooms.get(roomId)?.values() ?? [])].map((user) => ({ ...user }));
  }

  async forgetRoom(roomId: number): Promise<void> {
    this.rooms.delete(roomId);
  }
}
