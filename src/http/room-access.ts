import type { Context } from 'openapi-backend';
import { bearerToken, type RoomClaims, type RoomTokens } from '../auth/tokens.js';
import { ApiError } from '../errors.js';
import { needsToken } from '../rooms/access.js';
import type { RoomService } from '../rooms/service.js';
import type { StoredRoom } from '../store/store.js';

/** What the `roomToken` security handler found: the room addressed, and the token's verdict on it. */
export interface RoomAccess {
  room: StoredRoom | null;
  claims: RoomClaims | null;
  tokenError: ApiError | null;
}

/**
 * The handler for the spec's `roomToken` security scheme. It never rejects by itself: public rooms
 * need no token, so the operation decides with `requireRoomAccess` once the room is known.
 */
export function roomTokenSecurityHandler(rooms: RoomService, tokens: RoomTokens) {
  // Registered for both schemes that read Authorization; one request looks its room up once.
  const verdicts = new WeakMap<Context, Promise<RoomAccess>>();
  return (c: Context): Promise<RoomAccess> => {
    let verdict = verdicts.get(c);
    if (!verdict) verdicts.set(c, (verdict = check(c)));
    return verdict;
  };

  async function check(c: Context): Promise<RoomAccess> {
    const roomId = String(c.request.params.roomId ?? '');
    let room: StoredRoom;
    try {
      room = await rooms.resolve(roomId);
    } catch (err) {
      if (err instanceof ApiError) return { room: null, claims: null, tokenError: null };
      throw err;
    }
    const header = c.request.headers.authorization;
    const token = bearerToken(Array.isArray(header) ? header[0] : header);
    if (!token) return { room, claims: null, tokenError: new ApiError(403, 'token') };
    try {
      return { room, claims: tokens.verify(room, token), tokenError: null };
    } catch (err) {
      if (err instanceof ApiError) return { room, claims: null, tokenError: err };
      throw err;
    }
  }
}

/** The room of an operation secured by `roomToken`, once its token (if it needs one) is valid. */
export function requireRoomAccess(c: Context): { room: StoredRoom; claims: RoomClaims | null } {
  const result = c.security?.roomToken as RoomAccess | { error: unknown } | undefined;
  if (!result) throw new Error('roomToken security handler did not run');
  if ('error' in result) throw result.error;
  if (!result.room) throw new ApiError(101);
  if (!needsToken(result.room)) return { room: result.room, claims: null };
  if (result.tokenError) throw result.tokenError;
  return { room: result.room, claims: result.claims };
}
