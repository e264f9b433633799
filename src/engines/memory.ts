import type { Broker, Deliver } from '../chat/broker.js';
import type { RoomChange, RoomEvents } from '../rooms/events.js';
import { foldName } from '../rooms/names.js';
import type { Presence, PresentUser, RoomUser } from '../rooms/presence.js';

interface Line {
  subscribers: Set<Deliver>;
  /** The last message delivered or skipped; undefined until `open` or the first message says. */
  last: number | undefined;
  /** Messages held back for a lower seq, by seq; '' marks a skipped one. */
  held: Map<number, string>;
}

/**
 * The broker of a single instance. A room's line lives while this process has subscribers in it; the
 * next `open` starts it again from the store, at a moment when no message of that room is in flight here
 * (every sender is a subscriber of the room).
 */
export class InProcessBroker implements Broker {
  private readonly lines = new Map<number, Line>();

  private line(roomId: number): Line {
    let line = this.lines.get(roomId);
    if (!line) this.lines.set(roomId, (line = { subscribers: new Set(), last: undefined, held: new Map() }));
    return line;
  }

  async open(roomId: number, lastSeq: number): Promise<void> {
    const line = this.line(roomId);
    line.last ??= lastSeq;
  }

  async subscribe(roomId: number, deliver: Deliver): Promise<() => Promise<void>> {
    const line = this.line(roomId);
    line.subscribers.add(deliver);
    return async () => {
      line.subscribers.delete(deliver);
      if (line.subscribers.size === 0 && this.lines.get(roomId) === line) this.lines.delete(roomId);
    };
  }

  async publish(roomId: number, frame: string): Promise<void> {
    for (const deliver of this.lines.get(roomId)?.subscribers ?? []) deliver(frame, null);
  }

  async publishMessage(roomId: number, seq: number, frame: string): Promise<boolean> {
    const line = this.lines.get(roomId);
    if (!line) return true; // nobody here: nothing to order
    if (line.last !== undefined && seq <= line.last) return true;
    if (line.last === undefined || seq > line.last + 1) {
      line.held.set(seq, frame);
      return false;
    }
    let at = seq;
    let next: string | undefined = frame;
    while (next !== undefined) {
      if (next !== '') for (const deliver of line.subscribers) deliver(next, at);
      line.held.delete(at);
      line.last = at;
      next = line.held.get(++at);
    }
    return true;
  }

  async skip(roomId: number, seq: number): Promise<void> {
    await this.publishMessage(roomId, seq, '');
  }

  async missingBefore(roomId: number, seq: number, max: number): Promise<number[]> {
    const line = this.lines.get(roomId);
    if (!line || line.last === undefined || seq <= line.last) return [];
    const missing: number[] = [];
    for (let s = line.last + 1; s < seq && missing.length < max; s++) if (!line.held.has(s)) missing.push(s);
    return missing;
  }

  onResume(): void {
    // One process: nothing is ever missed.
  }

  async close(): Promise<void> {
    this.lines.clear();
  }
}

interface Entry {
  user: RoomUser;
  key: string;
  expiresAt: number;
}

interface PresenceRoom {
  entries: Map<string, Entry>;
  /** folded name → connection id */
  names: Map<string, string>;
}

/** Presence of a single instance, with the same leases as the shared one so that both behave alike. */
export class InMemoryPresence implements Presence {
  private readonly rooms = new Map<number, PresenceRoom>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private reap(room: PresenceRoom): RoomUser[] {
    const at = this.now();
    const departed: RoomUser[] = [];
    for (const [connectionId, entry] of room.entries) {
      if (entry.expiresAt > at) continue;
      this.remove(room, connectionId, entry);
      departed.push(entry.user);
    }
    return departed;
  }

  private remove(room: PresenceRoom, connectionId: string, entry: Entry): void {
    room.entries.delete(connectionId);
    if (room.names.get(entry.key) === connectionId) room.names.delete(entry.key);
  }

  async join(roomId: number, connectionId: string, user: RoomUser): Promise<{ joined: boolean; departed: RoomUser[] }> {
    const room = this.room(roomId);
    const departed = this.reap(room);
    return { joined: this.claim(room, connectionId, user), departed };
  }

  private room(roomId: number): PresenceRoom {
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = { entries: new Map(), names: new Map() }));
    return room;
  }

  /** Gives the connection an entry under the user's name, unless another connection holds that name. */
  private claim(room: PresenceRoom, connectionId: string, user: RoomUser): boolean {
    const key = foldName(user.username);
    const owner = room.names.get(key);
    if (owner !== undefined && owner !== connectionId) return false;
    const previous = room.entries.get(connectionId);
    if (previous && room.names.get(previous.key) === connectionId) room.names.delete(previous.key);
    room.entries.set(connectionId, { user: { ...user }, key, expiresAt: this.now() + this.ttlMs });
    room.names.set(key, connectionId);
    return true;
  }

  async leave(roomId: number, connectionId: string): Promise<RoomUser | null> {
    const room = this.rooms.get(roomId);
    const entry = room?.entries.get(connectionId);
    if (!room || !entry) return null;
    this.remove(room, connectionId, entry);
    if (room.entries.size === 0) this.rooms.delete(roomId);
    return { ...entry.user };
  }

  async touch(roomId: number, connectionId: string, at: string): Promise<void> {
    const entry = this.rooms.get(roomId)?.entries.get(connectionId);
    if (entry) entry.user.last_activity = at;
  }

  usersIn(roomId: number): RoomUser[] {
    const room = this.rooms.get(roomId);
    if (!room) return [];
    const at = this.now();
    return [...room.entries.values()].filter((e) => e.expiresAt > at).map((e) => ({ ...e.user }));
  }

  async refresh(roomId: number, present: PresentUser[]): Promise<{ departed: RoomUser[]; restored: RoomUser[]; refused: string[] }> {
    if (!present.length && !this.rooms.has(roomId)) return { departed: [], restored: [], refused: [] };
    const room = this.room(roomId);
    const expiresAt = this.now() + this.ttlMs;
    const restored: RoomUser[] = [];
    const refused: string[] = [];
    for (const { connectionId, user } of present) {
      const entry = room.entries.get(connectionId);
      if (entry) entry.expiresAt = expiresAt;
      else if (this.claim(room, connectionId, user)) restored.push({ ...user });
      else refused.push(connectionId);
    }
    const departed = this.reap(room);
    if (room.entries.size === 0) this.rooms.delete(roomId);
    return { departed, restored, refused };
  }

  async forgetRoom(roomId: number): Promise<void> {
    this.rooms.delete(roomId);
  }
}

export class InProcessRoomEvents implements RoomEvents {
  private readonly listeners = new Set<(change: RoomChange | null) => void>();

  async publish(change: RoomChange): Promise<void> {
    for (const listener of this.listeners) listener(change);
  }

  async subscribe(listener: (change: RoomChange | null) => void): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    return async () => void this.listeners.delete(listener);
  }
}
