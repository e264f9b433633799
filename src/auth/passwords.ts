import bcrypt from 'bcrypt';
import { ApiError } from '../errors.js';

/** bcrypt reads at most 72 bytes and silently ignores the rest; longer passwords are refused, not cut. */
const BCRYPT_MAX_BYTES = 72;

/** bcrypt runs on libuv's thread pool, so hashing never blocks the event loop. */
export class Passwords {
  constructor(private readonly cost: number) {}

  /** The hash of a new room password; 105 on `password` past bcrypt's 72 bytes. */
  hash(password: string): Promise<string> {
    if (Buffer.byteLength(password) > BCRYPT_MAX_BYTES) return Promise.reject(new ApiError(105, 'password'));
    return bcrypt.hash(password, this.cost);
  }

  /** False for an empty hash (public rooms), an empty secret, or one no stored password can be. */
  async matches(secret: string | undefined, hash: string): Promise<boolean> {
    if (!secret || !hash || Buffer.byteLength(secret) > BCRYPT_MAX_BYTES) return false;
    return bcrypt.compare(secret, hash);
  }
}
