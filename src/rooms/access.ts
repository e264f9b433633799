import type { StoredRoom } from '../store/store.js';

/** ChitChat's rule, decided here only: public rooms are open to anyone; private and hidden rooms need a room token. */
export function needsToken(room: Pick<StoredRoom, 'visibility'>): boolean {
  return room.visibility !== 'public';
}

/**
 * Whether a connection admitted with `admittedHash` (the password hash its token was checked against;
 * '' when it came in without one) may stay after the room changed to `room`. Expiry is not revocation:
 * a socket stays as long as the password its token was made with.
 */
export function stillAdmits(room: StoredRoom, tokenUser: string | null, admittedHash: string): boolean {
  return !needsToken(room) || (tokenUser !== null && admittedHash === room.passwordHash);
}

/**
 * What it takes to change or delete a room. Its owner token always does. Otherwise: a room token for a
 * private or hidden room (the password is what its members share, as in ChitChat); for a public room,
 * nothing in ChitChat's open model, and the owner token only in ours, so that nobody takes over a room
 * they did not create (the default room, created by nobody, stays as it is).
 */
export function managementNeeds(room: Pick<StoredRoom, 'visibility'>, chitchatCompat: boolean): 'owner' | 'roomToken' | 'nothing' {
  if (needsToken(room)) return 'roomToken';
  return chitchatCompat ? 'nothing' : 'owner';
}
