import type { components } from '../../generated/openapi.js';

export type RoomUser = components['schemas']['RoomUser'];

/**
 * Who is in each room now. The chat layer writes it; the REST layer reads it into a room's `users`.
 * In-process for one instance; a shared adapter (Redis) takes its place behind this interface.
 */
export interface Presence {
  usersIn(roomId: number): RoomUser[];
  forgetRoom(roomId: number): void;
}

export class InMemoryPresence implements Presence {
  private readonly rooms = new Map<number, Map<string, RoomUser>>();

  usersIn(roomId: number): RoomUser[] {
    return [...(this.rooms.get(roomId)?.values() ?? [])];
  }

  forgetRoom(roomId: number): void {
    this.rooms.delete(roomId);
  }
}
