import { setTimeout as sleep } from 'node:timers/promises';
import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import { StoreUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import {
  DuplicateTitleError,
  type ChatMessage,
  type MessageStore,
  type NewMessage,
  type NewRoom,
  type RoomChanges,
  type RoomStore,
  type StoredRoom,
} from './store.js';

interface RoomDoc extends Omit<StoredRoom, 'id'> {
  _id: number;
}
interface CounterDoc {
  _id: string;
  seq: number;
}

/** Every value is stored as the string or number it is: no field is ever read as a query operator. */
const roomSchema = new Schema<RoomDoc>(
  {
    _id: { type: Number, required: true },
    title: { type: String, required: true },
    // The case-insensitive uniqueness of titles is this index, not a read before the write.
    titleKey: { type: String, required: true, unique: true },
    description: { type: String, default: '' },
    visibility: { type: String, required: true, enum: ['public', 'private', 'hidden'] },
    passwordHash: { type: String, default: '' },
    createdAt: { type: String, required: true },
    updatedAt: { type: String, required: true },
    revision: { type: Number, default: 0 },
  },
  { collection: 'rooms', versionKey: false, strict: 'throw', _id: false },
);
const messageSchema = new Schema<ChatMessage>(
  {
    room_id: { type: Number, required: true },
    seq: { type: Number, required: true },
    name: { type: String, required: true },
    color: { type: String, default: '' },
    msg: { type: String, required: true },
    time: { type: String, required: true },
  },
  { collection: 'messages', versionKey: false, strict: 'throw' },
);
messageSchema.index({ room_id: 1, seq: -1 }, { unique: true });
/** A number that will never have a message (see claimGap), in the same collection, under the same unique index. */
const gapSchema = new Schema<{ room_id: number; seq: number; gap: true }>(
  { room_id: { type: Number, required: true }, seq: { type: Number, required: true }, gap: { type: Boolean, required: true } },
  { collection: 'messages', versionKey: false, strict: 'throw' },
);
const NOT_A_GAP = { gap: { $exists: false } };

const counterSchema = new Schema<CounterDoc>({ _id: String, seq: Number }, { collection: 'counters', versionKey: false, _id: false });

const ROOM_IDS = 'rooms';
const NUMBERING_ATTEMPTS = 50;

function toRoom(doc: RoomDoc | null): StoredRoom | null {
  if (!doc) return null;
  const { _id, ...rest } = doc;
  // Rooms stored before revisions existed have none: they are at their first.
  return { id: _id, ...rest, revision: rest.revision ?? 0 };
}

/** E11000 from MongoDB; FerretDB's SQLite handler reports a unique violation on update as code 1. */
function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: number; message?: string };
  return e?.code === 11000 || (e?.code === 1 && /UNIQUE constraint failed/.test(e.message ?? ''));
}

function isUnavailable(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return (
    /MongoNetwork|ServerSelection|NotConnected|PoolCleared|TopologyClosed|MongoNetworkTimeout/.test(e?.name ?? '') ||
    /before initial connection|Connection .* closed|connection .* closed|ECONNREFUSED|client was closed/i.test(e?.message ?? '')
  );
}

/**
 * Rooms and their chat history in MongoDB through mongoose (MONGODB_URI), on one connection. Room ids
 * and each room's message numbers come from atomic counter documents and are never reused, across
 * restarts too. Operations fail fast while the database is away (no buffering), as
 * StoreUnavailableError, and the driver reconnects by itself when it returns.
 */
export class MongoRoomStore implements RoomStore, MessageStore {
  readonly kind = 'mongo' as const;
  private readonly rooms: Model<RoomDoc>;
  private readonly messages: Model<ChatMessage>;
  private readonly counters: Model<CounterDoc>;
  private readonly gaps: Model<{ room_id: number; seq: number; gap: true }>;
  /** Aborted by close(): the connect loop stops retrying. */
  private readonly closing = new AbortController();

  private constructor(private readonly connection: Connection) {
    this.rooms = connection.model<RoomDoc>('Room', roomSchema);
    this.messages = connection.model<ChatMessage>('Message', messageSchema);
    this.counters = connection.model<CounterDoc>('Counter', counterSchema);
    this.gaps = connection.model('Gap', gapSchema);
  }

  /** Connects, retrying with backoff until it succeeds or the store is closed; the store answers 503 until then. */
  static open(uri: string, logger: Logger): { store: MongoRoomStore; ready: Promise<void> } {
    const connection = mongoose.createConnection();
    connection.set('bufferCommands', false);
    const store = new MongoRoomStore(connection);
    const ready = (async () => {
      for (let attempt = 1, delay = 250; !store.closing.signal.aborted; attempt++, delay = Math.min(delay * 2, 5000)) {
        try {
          await connection.openUri(uri, { serverSelectionTimeoutMS: 3000, bufferCommands: false });
          await Promise.all([store.rooms.init(), store.messages.init()]);
          logger.info({ store: 'mongo' }, 'connected to MongoDB');
          return;
        } catch (err) {
          if (store.closing.signal.aborted) break;
          logger.warn({ attempt, retryInMs: delay, err: (err as Error).message }, 'MongoDB unreachable; retrying');
          await sleep(delay, undefined, { signal: store.closing.signal }).catch(() => undefined);
        }
      }
      throw new StoreUnavailableError(new Error('the store was closed before MongoDB answered'));
    })();
    return { store, ready };
  }

  private async run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (err) {
      if (err instanceof DuplicateTitleError) throw err;
      if (isDuplicateKey(err)) throw new DuplicateTitleError();
      if (isUnavailable(err) || this.connection.readyState !== 1) throw new StoreUnavailableError(err);
      throw err;
    }
  }

  async seed(room: NewRoom): Promise<void> {
    await this.run(async () => {
      // The counter document's creation is the one-time event: only its creator inserts room 1.
      try {
        await this.counters.create({ _id: ROOM_IDS, seq: 1 });
      } catch (err) {
        if ((err as { code?: number }).code === 11000 || isDuplicateKey(err)) return;
        throw err;
      }
      await this.rooms.create({ _id: 1, ...room, revision: 0 });
    });
  }

  /**
   * The next number of a counter, and `insert` with it. MongoDB's $inc is atomic; FerretDB on SQLite loses
   * concurrent increments made through different connections (several instances), so the same number can
   * come out twice: the unique index refuses the second insert, and the next number is taken.
   */
  private async numbered<T>(counter: string, insert: (n: number) => Promise<T>, isTaken: () => Promise<boolean> = async () => false): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const next = await this.counters.findOneAndUpdate({ _id: counter }, { $inc: { seq: 1 } }, { upsert: true, new: true }).lean();
        return await insert(next!.seq);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        if (await isTaken()) throw new DuplicateTitleError();
        if (attempt >= NUMBERING_ATTEMPTS) throw new Error(`${counter}: no free number after ${attempt} attempts`, { cause: err });
      }
    }
  }

  async create(room: NewRoom): Promise<StoredRoom> {
    return this.run(() =>
      this.numbered(
        ROOM_IDS,
        async (id) => toRoom((await this.rooms.create({ _id: id, ...room, revision: 0 })).toObject())!,
        async () => (await this.rooms.exists({ titleKey: { $eq: room.titleKey } })) !== null,
      ),
    );
  }

  async get(id: number): Promise<StoredRoom | null> {
    return this.run(async () => toRoom(await this.rooms.findById(id).lean()));
  }

  async getByTitleKey(titleKey: string): Promise<StoredRoom | null> {
    return this.run(async () => toRoom(await this.rooms.findOne({ titleKey: { $eq: titleKey } }).lean()));
  }

  async listVisible(afterId: number, limit: number): Promise<StoredRoom[]> {
    return this.run(async () => {
      const docs = await this.rooms.find({ _id: { $gt: afterId }, visibility: { $ne: 'hidden' } }).sort({ _id: 1 }).limit(limit).lean();
      return docs.map((doc) => toRoom(doc)!);
    });
  }

  async update(id: number, changes: RoomChanges): Promise<StoredRoom | null> {
    return this.run(async () => toRoom(await this.rooms.findOneAndUpdate({ _id: id }, { $set: changes, $inc: { revision: 1 } }, { new: true }).lean()));
  }

  async delete(id: number): Promise<boolean> {
    return this.run(async () => (await this.rooms.deleteOne({ _id: id })).deletedCount === 1);
  }

  async append(message: NewMessage): Promise<ChatMessage> {
    return this.run(() =>
      this.numbered(`messages:${message.room_id}`, async (seq) => {
        const doc = await this.messages.create({ ...message, seq });
        const { _id, ...stored } = doc.toObject() as ChatMessage & { _id: unknown };
        return stored;
      }),
    );
  }

  async listBefore(roomId: number, beforeSeq: number | undefined, limit: number): Promise<ChatMessage[]> {
    return this.run(async () => {
      const filter = beforeSeq === undefined ? { room_id: roomId, ...NOT_A_GAP } : { room_id: roomId, seq: { $lt: beforeSeq }, ...NOT_A_GAP };
      return this.messages.find(filter, { _id: 0 }).sort({ seq: -1 }).limit(limit).lean<ChatMessage[]>();
    });
  }

  async claimGap(roomId: number, seq: number): Promise<ChatMessage | null> {
    return this.run(async () => {
      try {
        await this.gaps.create({ room_id: roomId, seq, gap: true });
        return null;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      return this.messages.findOne({ room_id: roomId, seq, ...NOT_A_GAP }, { _id: 0 }).lean<ChatMessage>();
    });
  }

  async deleteRoom(roomId: number): Promise<void> {
    await this.run(async () => {
      await this.messages.deleteMany({ room_id: roomId });
      await this.counters.deleteOne({ _id: `messages:${roomId}` });
    });
  }

  async rekeyTitles(keyOf: (title: string) => string): Promise<string[]> {
    return this.run(async () => {
      const conflicts: string[] = [];
      for await (const room of this.rooms.find({}, { title: 1, titleKey: 1 }).sort({ _id: 1 }).lean().cursor()) {
        const key = keyOf(room.title);
        if (key === room.titleKey) continue;
        try {
          // Only if no one renamed it meanwhile: that rename wrote the current key already.
          await this.rooms.updateOne({ _id: { $eq: room._id }, titleKey: { $eq: room.titleKey } }, { $set: { titleKey: key } });
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          conflicts.push(room.title);
        }
      }
      return conflicts;
    });
  }

  async ping(): Promise<void> {
    await this.run(async () => {
      if (this.connection.readyState !== 1 || !this.connection.db) throw new StoreUnavailableError();
      await this.connection.db.admin().ping();
    });
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.connection.close();
  }
}
