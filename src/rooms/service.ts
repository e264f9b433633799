import type { components } from '../../generated/openapi.js';
import type { Passwords } from '../auth/passwords.js';
import type { Presence } from '../chat/presence.js';
import { ApiError } from '../errors.js';
import {
  DuplicateTitleError,
  type MessageStore,
  type RoomChanges,
  type RoomStore,
  type StoredRoom,
  type Visibility,
} from '../store/store.js';

type Room = components['schemas']['Room'];
type RoomCreate = components['schemas']['RoomCreate'];
type RoomUpdate = components['schemas']['RoomUpdate'];
type RoomPage = components['schemas']['RoomPage'];
type MessagePage = components['schemas']['MessagePage'];

export const DEFAULT_ROOM = {
  title: 'Public Chat',
  description: 'This is the default chat, available to everyone!',
} as const;

/** Case-insensitive identity of a title: "Ｃhat" and "chat" are the same room. */
export function titleKey(title: string): string {
  return title.normalize('NFKC').toLowerCase();
}

/**
 * Told of changes that end sessions: the chat layer closes sockets of deleted rooms and revoked tokens.
 * In-process: with several instances these notices travel over the shared fan-out (not built yet).
 */
export interface RoomObserver {
  roomUpdated(room: StoredRoom): void;
  roomDeleted(roomId: number): void;
}

/** Path segments made only of digits are ids; the spec forbids such titles. */
const ID_PATTERN = /^[0-9]{1,15}$/;

/**
 * The rules of rooms. Input has already passed the spec's schemas, so what is checked here is only
 * what a schema cannot say: uniqueness, existence, and rules that depend on the stored room.
 */
export class RoomService {
  private readonly observers: RoomObserver[] = [];

  constructor(
    private readonly store: RoomStore,
    private readonly messages: MessageStore,
    private readonly passwords: Passwords,
    private readonly presence: Presence,
    private readonly now: () => Date = () => new Date(),
  ) {}

  observe(observer: RoomObserver): void {
    this.observers.push(observer);
  }

  async seedDefaultRoom(): Promise<void> {
    const at = this.now().toISOString();
    await this.store.seed({
      ...DEFAULT_ROOM,
      titleKey: titleKey(DEFAULT_ROOM.title),
      visibility: 'public',
      passwordHash: '',
      createdAt: at,
      updatedAt: at,
    });
  }

  /** The room with this id or (case-insensitive) title; 101 when there is none. */
  async resolve(idOrTitle: string): Promise<StoredRoom> {
    const room = ID_PATTERN.test(idOrTitle)
      ? await this.store.get(Number(idOrTitle))
      : await this.store.getByTitleKey(titleKey(idOrTitle));
    if (!room) throw new ApiError(101);
    return room;
  }

  async create(input: RoomCreate): Promise<StoredRoom> {
    const visibility = input.visibility.toLowerCase() as Visibility;
    const at = this.now().toISOString();
    const passwordHash = visibility === 'public' ? '' : await this.passwords.hash(input.password ?? '');
    try {
      return await this.store.create({
        title: input.title,
        titleKey: titleKey(input.title),
        description: input.description ?? '',
        visibility,
        passwordHash,
        createdAt: at,
        updatedAt: at,
      });
    } catch (err) {
      if (err instanceof DuplicateTitleError) throw new ApiError(102, 'title');
      throw err;
    }
  }

  async update(room: StoredRoom, input: RoomUpdate): Promise<StoredRoom> {
    const visibility = input.visibility.toLowerCase() as Visibility;
    const changes: RoomChanges = {
      title: input.title,
      titleKey: titleKey(input.title),
      description: input.description ?? '',
      visibility,
      updatedAt: this.now().toISOString(),
    };
    // The hash is written only when it changes, so a concurrent password change is never undone.
    if (visibility === 'public') {
      if (room.passwordHash) changes.passwordHash = '';
    } else if (input.password) {
      changes.passwordHash = await this.passwords.hash(input.password);
    } else if (!room.passwordHash) {
      // A public room becoming private or hidden has no password to keep.
      throw new ApiError(105, 'password');
    }
    try {
      const updated = await this.store.update(room.id, changes);
      if (!updated) throw new ApiError(101);
      for (const observer of this.observers) observer.roomUpdated(updated);
      return updated;
    } catch (err) {
      if (err instanceof DuplicateTitleError) throw new ApiError(102, 'title');
      throw err;
    }
  }

  async delete(room: StoredRoom): Promise<void> {
    if (!(await this.store.delete(room.id))) throw new ApiError(101);
    for (const observer of this.observers) observer.roomDeleted(room.id);
    await this.presence.forgetRoom(room.id);
    await this.messages.deleteRoom(room.id);
  }

  async list(limit: number, cursor: string | undefined): Promise<RoomPage> {
    const afterId = cursor === undefined ? 0 : Number(cursor);
    const rooms = await this.store.listVisible(afterId, limit + 1);
    const page = rooms.slice(0, limit);
    const last = page.at(-1);
    return {
      rooms: await Promise.all(page.map((room) => this.toResource(room))),
      next_cursor: rooms.length > limit && last ? String(last.id) : null,
    };
  }

  /** A page of the room's history, newest first; `cursor` is the seq the page goes back from. */
  async history(room: StoredRoom, limit: number, cursor: string | undefined): Promise<MessagePage> {
    const messages = await this.messages.listBefore(room.id, cursor === undefined ? undefined : Number(cursor), limit + 1);
    const page = messages.slice(0, limit);
    const last = page.at(-1);
    return { messages: page, next_cursor: messages.length > limit && last ? String(last.seq) : null };
  }

  /** The public shape of a room: never the password hash or the title key. */
  async toResource(room: StoredRoom): Promise<Room> {
    return {
      id: room.id,
      title: room.title,
      description: room.description,
      visibility: room.visibility,
      createdAt: room.createdAt,
      updatedAt: room.updatedAt,
      users: await this.presence.usersIn(room.id),
    };
  }
}
