import type { Context } from 'openapi-backend';
import type { operations } from '../../generated/openapi.js';
import { bearerToken, type RoomClaims, type RoomTokens } from '../auth/tokens.js';
import { ApiError } from '../errors.js';
import { managementNeeds, needsToken } from '../rooms/access.js';
import type { RoomService } from '../rooms/service.js';
import type { StoredRoom } from '../store/store.js';

/** What the `roomToken` security handler found: the room addressed, and the bearer token's verdict on it. */
export interface RoomAccess {
  room: StoredRoom | null;
  claims: RoomClaims | null;
  /** Why the token is not a room token for this room (an owner token is not one either). */
  tokenError: ApiError | null;
  /** The token is this room's owner token. */
  owner: boolean;
}

/**
 * The handler for the spec's `roomToken` security scheme. It never rejects by itself: what a request
 * needs depends on the room and the operation: `authorizedRoom` decides once the room is known.
 */
export function roomTokenSecurityHandler(rooms: RoomService, tokens: RoomTokens, chitchatCompat: boolean) {
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
      if (err instanceof ApiError) return { room: null, claims: null, tokenError: null, owner: false };
      throw err;
    }
    const header = c.request.headers.authorization;
    const token = bearerToken(Array.isArray(header) ? header[0] : header, chitchatCompat);
    if (!token) return { room, claims: null, tokenError: new ApiError(403, 'token'), owner: false };
    if (tokens.isOwner(room, token)) return { room, claims: null, tokenError: new ApiError(403, 'token'), owner: true };
    try {
      return { room, claims: tokens.verify(room, token), tokenError: null, owner: false };
    } catch (err) {
      if (err instanceof ApiError) return { room, claims: null, tokenError: err, owner: false };
      throw err;
    }
  }
}

function accessOf(c: Context): RoomAccess & { room: StoredRoom } {
  const result = c.security?.roomToken as RoomAccess | { error: unknown } | undefined;
  if (!result) throw new Error('roomToken security handler did not run');
  if ('error' in result) throw result.error;
  if (!result.room) throw new ApiError(101);
  return result as RoomAccess & { room: StoredRoom };
}

type Granted = { room: StoredRoom; claims: RoomClaims | null };

/** The room of an operation that reads it, once its room token (if it needs one) is valid. */
function requireRoomAccess(c: Context): Granted {
  const access = accessOf(c);
  if (!needsToken(access.room)) return { room: access.room, claims: null };
  if (access.tokenError) throw access.tokenError;
  return { room: access.room, claims: access.claims };
}

/** The room of an operation that changes or deletes it, once the request may (rooms/access.ts decides). */
function requireRoomManagement(c: Context, chitchatCompat: boolean): Granted {
  const access = accessOf(c);
  const granted = { room: access.room, claims: access.claims };
  if (access.owner) return granted;
  switch (managementNeeds(access.room, chitchatCompat)) {
    case 'nothing':
      return granted;
    case 'roomToken':
      if (access.tokenError) throw access.tokenError;
      return granted;
    case 'owner':
      throw new ApiError(104, 'token');
  }
}

/** What each operation secured by `roomToken` requires of its request: the one list of them. */
const GUARDS: Partial<Record<keyof operations, (c: Context, chitchatCompat: boolean) => Granted>> = {
  updateRoom: requireRoomManagement,
  deleteRoom: requireRoomManagement,
  listMessages: requireRoomAccess,
  renewToken: requireRoomAccess,
};

/** The room an operation secured by `roomToken` acts on, once its request may: 101, 401, 403 or 104 otherwise. */
export function authorizedRoom(c: Context, chitchatCompat: boolean): Granted {
  const guard = GUARDS[c.operation.operationId as keyof operations];
  if (!guard) throw new Error(`operation ${c.operation.operationId} has no room guard`);
  return guard(c, chitchatCompat);
}

/**
 * Authorization before the body is read, as ChitChat did: a request without the right token learns
 * nothing about its body. An unknown room is left to the operation (101 after validation).
 */
export function authorizeBeforeBody(c: Context, chitchatCompat: boolean): void {
  const access = c.security?.roomToken as RoomAccess | undefined;
  if (!access || !('room' in access) || !access.room) return;
  authorizedRoom(c, chitchatCompat);
}
