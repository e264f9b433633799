import type { components } from '../../generated/openapi.js';
import type { Passwords } from '../auth/passwords.js';
import { ApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import {
  DuplicateTitleError,
  type MessageStore,
  type RoomChanges,
  type RoomStore,
  type StoredRoom,
  type Visibility,
} from '../store/store.js';
import { needsToken } from './access.js';
import type { RoomChange, RoomEvents } from './events.js';
import { isIdText } from './ids.js';
import { foldName } from './names.js';
import { allOf, andThen, isThenable, type MaybeAsync } from '../maybe-async.js';
import type { Presence } from './presence.js';

type Room = components['schemas']['Room'];
type RoomCreate = components['schemas']['RoomCreate'];
type RoomUpdate = components['schemas']['RoomUpdate'];
type RoomPage = components['schemas']['RoomPage'];
type MessagePage = components['schemas']['MessagePage'];

export const DEFAULT_ROOM = {
  title: 'Public Chat',
  description: 'This is the default chat, available to everyone!',
} as const;

/** A store write that keys a title: the store's DuplicateTitleError, now or later, is 102 on title. */
function titleWrite<T>(write: () => MaybeAsync<T>): MaybeAsync<T> {
  const taken = (err: unknown) => (err instanceof DuplicateTitleError ? new ApiError(102, 'title') : err);
  let written: MaybeAsync<T>;
  try {
    written = write();
  } catch (err) {
    throw taken(err);
  }
  return isThenable(written) ? Promise.resolve(written).catch((err: unknown) => Promise.reject(taken(err))) : written;
}

export interface RoomServiceDeps {
  store: RoomStore;
  messages: MessageStore;
  passwords: Passwords;
  presence: Presence;
  events: RoomEvents;
  logger: Logger;
  now?: () => Date;
}

/**
 * The rules of rooms. Input has already passed the spec's schemas, so what is checked here is only
 * what a schema cannot say: uniqueness, existence, and rules that depend on the stored room.
 */
export class RoomService {
  private readonly now: () => Date;

  constructor(private readonly deps: RoomServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Makes the store ready for the rules: the default room exists, and every title is keyed as names fold
   * now (a store written by an earlier version folded them otherwise: "Straße" was not "STRASSE").
   */
  async seedDefaultRoom(): Promise<void> {
    const at = this.now().toISOString();
    await this.deps.store.seed({
      ...DEFAULT_ROOM,
      titleKey: foldName(DEFAULT_ROOM.title),
      visibility: 'public',
      passwordHash: '',
      createdAt: at,
      updatedAt: at,
    });
    const conflicts = await this.deps.store.rekeyTitles(foldName);
    if (conflicts.length) {
      this.deps.logger.warn({ titles: conflicts }, 'rooms whose titles now fold like another room\'s keep their old key: they are found by id, and by title once renamed');
    }
  }

  /** The room with this id or (case-insensitive) title; 101 when there is none. */
  resolve(idOrTitle: string): MaybeAsync<StoredRoom> {
    const found = isIdText(idOrTitle) ? this.find(Number(idOrTitle)) : this.deps.store.getByTitleKey(foldName(idOrTitle));
    return andThen(found, (room) => {
      if (!room) throw new ApiError(101);
      return room;
    });
  }

  /** The room with this id as stored now, or null once it is deleted. */
  find(id: number): MaybeAsync<StoredRoom | null> {
    return this.deps.store.get(id);
  }

  /** A room that needs no token has no password; the others keep a bcrypt hash of theirs. */
  private passwordHashFor(visibility: Visibility, password: string | undefined): MaybeAsync<string> {
    return needsToken({ visibility }) ? this.deps.passwords.hash(password ?? '') : '';
  }

  /** At once when nothing is to be waited for (no password to hash, the embedded store): no promise, no turn of the microtask queue. */
  create(input: RoomCreate): MaybeAsync<StoredRoom> {
    const visibility = input.visibility.toLowerCase() as Visibility;
    const at = this.now().toISOString();
    return andThen(this.passwordHashFor(visibility, input.password), (passwordHash) =>
      titleWrite(() =>
        this.deps.store.create({
          title: input.title,
          titleKey: foldName(input.title),
          description: input.description ?? '',
          visibility,
          passwordHash,
          createdAt: at,
          updatedAt: at,
        }),
      ),
    );
  }

  async update(room: StoredRoom, input: RoomUpdate): Promise<StoredRoom> {
    const visibility = input.visibility.toLowerCase() as Visibility;
    const changes: RoomChanges = {
      title: input.title,
      titleKey: foldName(input.title),
      description: input.description ?? '',
      visibility,
      updatedAt: this.now().toISOString(),
    };
    // The hash is written only when it changes, so a concurrent password change is never undone.
    if (!needsToken({ visibility })) {
      if (room.passwordHash) changes.passwordHash = '';
    } else if (input.password) {
      changes.passwordHash = await this.passwordHashFor(visibility, input.password);
    } else if (!room.passwordHash) {
      // A public room becoming private or hidden has no password to keep.
      throw new ApiError(105, 'password');
    }
    const updated = await titleWrite(() => this.deps.store.update(room.id, changes));
    if (!updated) throw new ApiError(101);
    await this.announce({ roomId: room.id, revision: updated.revision });
    return updated;
  }

  async delete(room: StoredRoom): Promise<void> {
    if (!(await this.deps.store.delete(room.id))) throw new ApiError(101);
    await this.announce({ roomId: room.id, revision: null });
    // The room is gone; its presence entries only wait to be cleared, and they expire by themselves.
    await this.deps.presence.forgetRoom(room.id).catch((err: unknown) => this.deps.logger.warn({ err, roomId: room.id }, 'could not clear a deleted room\'s presence'));
    await this.deps.messages.deleteRoom(room.id);
  }

  /**
   * Tells every instance, which closes the sockets the change ends. The change is stored already: if
   * the notice cannot go out, instances re-read their rooms when the bus is back, so it is logged, not failed.
   */
  private async announce(change: RoomChange): Promise<void> {
    try {
      await this.deps.events.publish(change);
    } catch (err) {
      this.deps.logger.warn({ err, ...change }, 'could not announce a room change; instances catch up when the bus is back');
    }
  }

  list(limit: number, cursor: string | undefined): MaybeAsync<RoomPage> {
    const afterId = cursor === undefined ? 0 : Number(cursor);
    return andThen(this.deps.store.listVisible(afterId, limit + 1), (rooms) => {
      // One room more than the page was asked for: there is a next page, after the page's last room.
      const more = rooms.length > limit;
      const page = more ? rooms.slice(0, limit) : rooms;
      const nextCursor = more && limit > 0 ? String(page[limit - 1]!.id) : null;
      return andThen(allOf(page.map((room) => this.toResource(room))), (resources) => ({ rooms: resources, next_cursor: nextCursor }));
    });
  }

  /** A page of the room's history, newest first; `cursor` is the seq the page goes back from. */
  async history(room: StoredRoom, limit: number, cursor: string | undefined): Promise<MessagePage> {
    const messages = await this.deps.messages.listBefore(room.id, cursor === undefined ? undefined : Number(cursor), limit + 1);
    const page = messages.slice(0, limit);
    const last = page.at(-1);
    return { messages: page, next_cursor: messages.length > limit && last ? String(last.seq) : null };
  }

  /**
   * The public shape of a room: never the password hash, the title key or the revision. `users` when
   * they are known without asking presence: nobody is in a room created a moment ago.
   */
  toResource(room: StoredRoom, users?: Room['users']): MaybeAsync<Room> {
    return andThen(users ?? this.deps.presence.usersIn(room.id), (present) => ({
      id: room.id,
      title: room.title,
      description: room.description,
      visibility: room.visibility,
      createdAt: room.createdAt,
      updatedAt: room.updatedAt,
      users: present,
    }));
  }
}
