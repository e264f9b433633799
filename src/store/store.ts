import type { components } from '../../generated/openapi.js';
import type { MaybeAsync } from '../maybe-async.js';

export type Visibility = components['schemas']['Visibility'];

/**
 * A room as stored: the resource without its live users, plus what is never returned. Read-only: a store
 * may hand out the record it keeps (the embedded one does, frozen), so a change goes through `update`.
 */
export interface StoredRoom {
  readonly id: number;
  readonly title: string;
  /** The title folded for case-insensitive uniqueness; unique across rooms. */
  readonly titleKey: string;
  readonly description: string;
  readonly visibility: Visibility;
  /** bcrypt hash; empty for public rooms. Part of every token's signing key. */
  readonly passwordHash: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** 0 when created, one more on every update: which version of the room a socket was admitted to. */
  readonly revision: number;
}

export type NewRoom = Omit<StoredRoom, 'id' | 'revision'>;
export type RoomChanges = { -readonly [K in Exclude<keyof StoredRoom, 'id' | 'createdAt' | 'revision'>]?: StoredRoom[K] };

/** Another room already has this title (compared by titleKey). */
export class DuplicateTitleError extends Error {
  constructor() {
    super('duplicate title');
    this.name = 'DuplicateTitleError';
  }
}

/**
 * Where rooms live. Adapters: memory (the default) and MongoDB.
 * Ids come from a counter that never goes back, so a deleted room's id is never reused.
 * `update` raises the room's revision by one, in the same write.
 * Methods throw StoreUnavailableError when the backing service does not answer.
 */
export interface RoomStore {
  readonly kind: 'memory' | 'mongo';
  /** Inserts `room` as id 1 if the store has never issued an id; a no-op otherwise. */
  seed(room: NewRoom): Promise<void>;
  // Reads and writes may answer at once (the embedded store does): see maybe-async.ts. Callers await
  // them, and a failure may then be thrown at once too.
  create(room: NewRoom): MaybeAsync<StoredRoom>;
  get(id: number): MaybeAsync<StoredRoom | null>;
  getByTitleKey(titleKey: string): MaybeAsync<StoredRoom | null>;
  /** Rooms that are not hidden, with id > afterId, in ascending id order. */
  listVisible(afterId: number, limit: number): MaybeAsync<StoredRoom[]>;
  update(id: number, changes: RoomChanges): MaybeAsync<StoredRoom | null>;
  delete(id: number): MaybeAsync<boolean>;
  /**
   * Gives every room the title key `keyOf` makes of its title, where it differs from the stored one (the
   * folding of names changed since it was stored), oldest room first. Returns the titles that could not
   * take theirs because another room holds it already: they keep their old key.
   */
  rekeyTitles(keyOf: (title: string) => string): Promise<string[]>;
  /** Resolves when the store answers; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type ChatMessage = components['schemas']['ChatMessage'];
export type NewMessage = Omit<ChatMessage, 'seq'>;

/**
 * Each room's chat history. `append` numbers messages per room (seq from 1, never reused); pages go
 * from the newest back. Adapters: memory (bounded per room) and MongoDB.
 */
export interface MessageStore {
  // Each may answer at once, as RoomStore's methods may.
  append(message: NewMessage): MaybeAsync<ChatMessage>;
  /** Up to `limit` messages with seq < `beforeSeq` (all when undefined), newest first. */
  listBefore(roomId: number, beforeSeq: number | undefined, limit: number): MaybeAsync<ChatMessage[]>;
  /**
   * For a number handed out whose message is not delivered: the message when it is stored; otherwise the
   * number is marked as never to be stored (null), so that a slow insert still on its way with it fails
   * and takes the next number instead of landing behind what was already delivered.
   */
  claimGap(roomId: number, seq: number): MaybeAsync<ChatMessage | null>;
  deleteRoom(roomId: number): MaybeAsync<void>;
}
