import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { foldName as titleKey } from '../../src/rooms/names.js';
import { MemoryRoomStore } from '../../src/store/memory.js';
import { MemoryMessageStore } from '../../src/store/memory-messages.js';
import { MongoRoomStore } from '../../src/store/mongo.js';
import { DuplicateTitleError, type MessageStore, type NewRoom, type RoomStore } from '../../src/store/store.js';
import { testDatabaseUri } from '../support/server.js';

/** One contract, every store: the same cases run on memory and, under `make test-mongo`, on MongoDB. */
const opened: RoomStore[] = [];
type Stores = { rooms: RoomStore; messages: MessageStore };
const stores: [string, () => Promise<Stores>][] = [['memory', async () => ({ rooms: new MemoryRoomStore(), messages: new MemoryMessageStore(5) })]];
if (process.env.TEST_MONGODB_URI) {
  stores.push([
    'mongo',
    async () => {
      const { store, ready } = MongoRoomStore.open(testDatabaseUri()!, pino({ level: 'silent' }));
      await ready;
      return { rooms: store, messages: store };
    },
  ]);
}
afterAll(async () => {
  for (const store of opened) await store.close();
});

const at = '2026-01-01T00:00:00.000Z';
const room = (title: string, extra: Partial<NewRoom> = {}): NewRoom => ({
  title,
  titleKey: titleKey(title),
  description: '',
  visibility: 'public',
  passwordHash: '',
  createdAt: at,
  updatedAt: at,
  ...extra,
});

describe.each(stores)('the %s store', (_kind, open) => {
  const both = async () => {
    const stores = await open();
    opened.push(stores.rooms);
    return stores;
  };
  const fresh = async () => (await both()).rooms;

  it("numbers each room's messages from 1, pages them newest first, and forgets them with the room", async () => {
    const { messages } = await both();
    const at = (i: number) => `2026-01-01T00:00:0${i}.000Z`;
    for (let i = 1; i <= 4; i++) {
      expect(await messages.append({ room_id: 7, name: 'n', color: '', msg: `m${i}`, time: at(i) })).toMatchObject({ seq: i, msg: `m${i}` });
    }
    expect((await messages.append({ room_id: 8, name: 'n', color: 'c', msg: '$gt', time: at(0) })).seq).toBe(1);
    expect((await messages.listBefore(7, undefined, 2)).map((m) => m.seq)).toEqual([4, 3]);
    expect((await messages.listBefore(7, 3, 10)).map((m) => m.msg)).toEqual(['m2', 'm1']);
    expect(await messages.listBefore(8, undefined, 10)).toEqual([{ seq: 1, room_id: 8, name: 'n', color: 'c', msg: '$gt', time: at(0) }]);
    await messages.deleteRoom(7);
    expect(await messages.listBefore(7, undefined, 10)).toEqual([]);
    expect((await messages.listBefore(8, undefined, 10)).length).toBe(1);
  });

  it('claims a gap: a stored message is handed back, a free number is never used, and history does not show it', async () => {
    const { messages } = await both();
    const message = (msg: string) => ({ room_id: 9, name: 'n', color: '', msg, time: at });
    await messages.append(message('m1'));
    await messages.append(message('m2'));
    expect(await messages.claimGap(9, 2)).toMatchObject({ seq: 2, msg: 'm2' });
    // 3 is the number the next message would take: claimed first, as a repair does for a slow insert.
    expect(await messages.claimGap(9, 3)).toBeNull();
    expect(await messages.append(message('m3'))).toMatchObject({ seq: 4, msg: 'm3' });
    expect(await messages.claimGap(9, 3)).toBeNull();
    expect((await messages.listBefore(9, undefined, 10)).map((m) => [m.seq, m.msg])).toEqual([
      [4, 'm3'],
      [2, 'm2'],
      [1, 'm1'],
    ]);
  });

  it('seeds room 1 once, and never again after it is deleted', async () => {
    const store = await fresh();
    await store.seed(room('Public Chat'));
    await store.seed(room('Public Chat'));
    expect((await store.get(1))?.title).toBe('Public Chat');
    expect(await store.delete(1)).toBe(true);
    await store.seed(room('Public Chat'));
    expect(await store.get(1)).toBeNull();
    expect((await store.create(room('Next'))).id).toBe(2);
  });

  it('gives ids from a counter that never goes back, also past deletions and refused creates', async () => {
    const store = await fresh();
    const a = await store.create(room('Alpha'));
    await store.delete(a.id);
    expect(await store.create(room('ALPHA two', { titleKey: titleKey('Beta') }))).toBeDefined();
    await expect(async () => store.create(room('beta', { titleKey: titleKey('Beta') }))).rejects.toBeInstanceOf(DuplicateTitleError);
    const c = await store.create(room('Gamma'));
    expect(c.id).toBeGreaterThan(a.id + 1);
  });

  it('lets exactly one of simultaneous creates of the same title through', async () => {
    const store = await fresh();
    const results = await Promise.allSettled(Array.from({ length: 8 }, async (_, i) => store.create(room(i % 2 ? 'Race' : 'RACE', { titleKey: titleKey('race') }))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateTitleError);
  });

  it('stores operator-like and Unicode values exactly as sent, never as queries', async () => {
    const store = await fresh();
    const odd = ['$gt', '{"$gt": ""}', 'a.b.c', '$where', 'Ünïcödé 😀', 'ǅungla'];
    for (const title of odd) {
      const created = await store.create(room(title, { description: '$ne', passwordHash: '$2b$04$x.y' }));
      expect(await store.getByTitleKey(titleKey(title))).toEqual(created);
      expect(created).toMatchObject({ title, description: '$ne', passwordHash: '$2b$04$x.y' });
    }
    expect(await store.getByTitleKey('$gt'.toLowerCase())).not.toBeNull();
    expect(await store.getByTitleKey('nothing like it')).toBeNull();
    await expect(async () => store.create(room('ǄUNGLA'))).rejects.toBeInstanceOf(DuplicateTitleError);
  });

  it('rekeys titles stored under another folding, oldest first, and reports those whose new key is taken', async () => {
    const rooms = await fresh();
    const oldKey = (title: string) => title.normalize('NFKC').toLowerCase();
    const older = await rooms.create(room('Alte Straße', { titleKey: oldKey('Alte Straße') }));
    const newer = await rooms.create(room('ALTE STRASSE', { titleKey: oldKey('ALTE STRASSE') }));
    const alone = await rooms.create(room('Nur Maße', { titleKey: oldKey('Nur Maße') }));
    expect(await rooms.rekeyTitles(titleKey)).toEqual(['Alte Straße']);
    expect((await rooms.getByTitleKey(titleKey('nur masse')))?.id).toBe(alone.id);
    expect((await rooms.getByTitleKey(titleKey('alte strasse')))?.id).toBe(newer.id);
    expect((await rooms.getByTitleKey(oldKey('Alte Straße')))?.id).toBe(older.id);
    expect(await rooms.rekeyTitles(titleKey)).toEqual(['Alte Straße']);
  });

  it('leaves a room already read as it was read, whatever is written after', async () => {
    const store = await fresh();
    const created = await store.create(room('Kept As Read', { titleKey: 'old key' }));
    const read = await store.get(created.id);
    const listed = (await store.listVisible(created.id - 1, 1))[0];
    expect(await store.update(created.id, { description: 'changed', titleKey: titleKey('Kept As Read') })).toMatchObject({ description: 'changed', revision: 1 });
    await store.rekeyTitles((title) => `rekeyed ${title}`);
    for (const seen of [created, read, listed]) expect(seen).toMatchObject({ description: '', titleKey: 'old key', revision: 0 });
    expect(await store.get(created.id)).toMatchObject({ description: 'changed', titleKey: 'rekeyed Kept As Read', revision: 1 });
  });

  it('updates, refuses a taken title on update, lists visible rooms in id order, deletes', async () => {
    const store = await fresh();
    const one = await store.create(room('One'));
    const two = await store.create(room('Two', { visibility: 'hidden' }));
    const three = await store.create(room('Three'));
    await expect(async () => store.update(three.id, { title: 'one', titleKey: titleKey('one') })).rejects.toBeInstanceOf(DuplicateTitleError);
    expect(await store.update(three.id, { description: 'new' })).toMatchObject({ id: three.id, title: 'Three', description: 'new' });
    expect((await store.listVisible(0, 10)).map((r) => r.id)).toEqual([one.id, three.id]);
    expect((await store.listVisible(one.id, 1)).map((r) => r.id)).toEqual([three.id]);
    expect(await store.update(9999, { description: 'x' })).toBeNull();
    expect(await store.delete(two.id)).toBe(true);
    expect(await store.delete(two.id)).toBe(false);
    await store.ping();
  });
});

describe('the in-memory history', () => {
  it('keeps the last messages of each room up to its bound', async () => {
    const messages = new MemoryMessageStore(3);
    for (let i = 1; i <= 5; i++) await messages.append({ room_id: 1, name: 'n', color: '', msg: `m${i}`, time: '2026-01-01T00:00:00.000Z' });
    expect((await messages.listBefore(1, undefined, 10)).map((m) => m.seq)).toEqual([5, 4, 3]);
  });
});
