import bcrypt from 'bcrypt';

/** bcrypt runs on libuv's thread pool, so hashing never blocks the event loop. */
export class Passwords {
  constructor(private readonly cost: number) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.cost);
  }

  /** False for an empty hash (public rooms) or an empty secret. */
  async matches(secret: string | undefined, hash: string): Promise<boolean> {
    if (!secret || !hash) return false;
    return bcrypt.compare(secret, hash);
  }
}
