import type { components } from '../../generated/openapi.js';
import type { MaybeAsync } from '../maybe-async.js';

export type RoomUser = components['schemas']['RoomUser'];

/** A user this instance knows to be in the room, through this connection. */
export interface PresentUser {
  connectionId: string;
  user: RoomUser;
}

/**
 * Who is in each room now, across every instance. An entry belongs to one connection (its id is unique
 * across instances) and holds a lease: the instance that owns the connection extends it on a timer, and
 * an entry whose lease ran out (its instance died) is removed by whoever meets it next and returned, so
 * that its departure is announced exactly once. Names are unique per room under `foldName`; the claim is
 * atomic. Adapters: in-process, and Redis when several instances share rooms.
 */
export interface Presence {
  /**
   * Claims `user.username` in the room for this connection unless another live entry holds its folded
   * name. `departed`: entries found expired on the way, removed, to announce.
   */
  join(roomId: number, connectionId: string, user: RoomUser): Promise<{ joined: boolean; departed: RoomUser[] }>;
  /** Removes the connection's entry and returns its user; null when it has none (never joined, left, or reaped). */
  leave(roomId: number, connectionId: string): Promise<RoomUser | null>;
  touch(roomId: number, connectionId: string, at: string): Promise<void>;
  /** The users of live entries; at once, where they are known at once. */
  usersIn(roomId: number): MaybeAsync<RoomUser[]>;
  /**
   * Extends the leases of these connections' entries, and puts back any that went missing (Redis lost its
   * data) while its name is free; removes the room's expired entries. Returns the departed and the
   * restored users, to announce, and the connections refused their name (another took it meanwhile).
   */
  refresh(roomId: number, present: PresentUser[]): Promise<{ departed: RoomUser[]; restored: RoomUser[]; refused: string[] }>;
  forgetRoom(roomId: number): Promise<void>;
}
