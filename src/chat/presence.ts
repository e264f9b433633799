import type { components } from '../../generated/openapi.js';

export type RoomUser = components['schemas']['RoomUser'];

/**
 * Who is in each room now. The chat layer writes it; the REST layer reads it into a room's `users`.
 * In-process for one instance; a shared adapter (Redis) takes its place behind this interface.
 */
export interface Presence {
  /** Adds the user unless the name is taken in the room (case-insensitive); false when it is. */
  join(roomId: number, user: RoomUser): boolean;
  leave(roomId: number, username: string): void;
  touch(roomId: number, username: string, at: string): void;
  usersIn(roomId: number): RoomUser[];
  forgetRoom(roomId: number): void;
}

export const nameKey = (username: string) => username.normalize('NFKC').toLowerCase();

export class InMemoryPresence implements Presence {
  private readonly rooms = new Map<number, Map<string, RoomUser>>();

  join(roomId: number, user: RoomUser): boolean {
    let users = this.rooms.get(roomId);
    if (!users) this.rooms.set(roomId, (users = new Map()));
    const key = nameKey(user.username);
    if (users.has(key)) return false;
    users.set(key, { ...user });
    return true;
  }

  leave(roomId: number, username: string): void {
    const users = this.rooms.get(roomId);
    users?.delete(nameKey(username));
    if (users?.size === 0) this.rooms.delete(roomId);
  }

  touch(roomId: number, username: string, at: string): void {
    const user = this.rooms.get(roomId)?.get(nameKey(username));
    if (user) user.last_activity = at;
  }

  usersIn(roomId: number): RoomUser[] {
    return [...(this.rooms.get(roomId)?.values() ?? [])].map((user) => ({ ...user }));
  }

  forgetRoom(roomId: number): void {
    this.rooms.delete(roomId);
  }
}
