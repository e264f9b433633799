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
