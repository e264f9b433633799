// The rooms the bare server and the peer stacks answer with: in memory, shaped as the API returns them,
// with the default room. No passwords, presence or history: what the peers cost is their framework and
// validation, not rules they do not have.
const rooms = new Map();
const byTitle = new Map();
let lastId = 0;

/** A new room, or null when its title is taken (any case). */
export function createRoom({ title, description = '', visibility }) {
  const key = title.toLowerCase();
  if (byTitle.has(key)) return null;
  const now = new Date().toISOString();
  const room = { id: ++lastId, title, description, visibility: visibility.toLowerCase(), createdAt: now, updatedAt: now, users: [] };
  rooms.set(room.id, room);
  byTitle.set(key, room);
  return room;
}

/** A room by id or by title, in any case, as getRoom finds it. */
export const findRoom = (key) => rooms.get(Number(key)) ?? byTitle.get(String(key).toLowerCase());

/** A page of listRooms: rooms in id order after the cursor (an id). */
export function roomPage(limit = 20, cursor = 0) {
  const page = [];
  for (const room of rooms.values()) {
    if (room.id <= cursor || room.visibility === 'hidden') continue;
    if (page.length === limit) return { rooms: page, next_cursor: String(page.at(-1).id) };
    page.push(room);
  }
  return { rooms: page, next_cursor: null };
}

createRoom({ title: 'Public Chat', description: 'This is the default chat, available to everyone!', visibility: 'public' });
