// The rooms the bare server and the peer stacks answer with: in memory, shaped as the API returns them,
// with the default room. No passwords, presence or history: what the peers cost is their framework and
// validation, not rules they do not have. One rule is here for the peer that asks for it: the owner token
// createRoom's 201 carries, signed as our server signs it (src/auth/tokens.ts), to show what it costs.
import { createHmac } from 'node:crypto';

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

const OWNER_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
/** The room's owner token: an HS256 JWT keyed by the secret, the room's id and its creation time. */
export function ownerToken(room, secret) {
  const signed = `${OWNER_HEADER}.${Buffer.from(JSON.stringify({ room_id: room.id, owner: true, iat: Math.floor(Date.now() / 1000) })).toString('base64url')}`;
  return `${signed}.${createHmac('sha256', Buffer.from(`${secret}owner:${room.id}:${room.createdAt}`)).update(signed).digest('base64url')}`;
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
