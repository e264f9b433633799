import jwt from 'jsonwebtoken';
import { ApiError } from '../errors.js';
import type { StoredRoom } from '../store/store.js';

const ALGORITHM = 'HS256';

/** The token of an Authorization header: ChitChat took `Bearer <t>`, `Token <t>` or a bare token. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const parts = header.trim().split(/\s+/);
  return parts.length > 1 ? parts[1] : parts[0] || undefined;
}

export interface RoomClaims {
  username: string;
  room_id: number;
  iat: number;
  exp: number;
}

/**
 * Room tokens as ChitChat made them: HS256 JWTs with `username` and `room_id`, signed with the
 * server secret joined with the room's password hash and id. A token is therefore useless on
 * another room, and a new password or a deleted room revokes every token issued for it.
 */
export class RoomTokens {
  constructor(
    private readonly secretKey: string,
    private readonly ttlSeconds: number,
    /** Milliseconds since the epoch: tests move it instead of waiting for tokens to expire. */
    private readonly clock: () => number = Date.now,
  ) {}

  private nowSeconds(): number {
    return Math.floor(this.clock() / 1000);
  }

  private keyFor(room: StoredRoom): string {
    return `${this.secretKey}${room.passwordHash}${room.id}`;
  }

  issue(room: StoredRoom, username: string): string {
    return jwt.sign({ username, room_id: room.id, iat: this.nowSeconds() }, this.keyFor(room), {
      algorithm: ALGORITHM,
      expiresIn: this.ttlSeconds,
    });
  }

  /** The token's claims, or an ApiError: 402 for another algorithm, 401 for a bad signature, 403 otherwise. */
  verify(room: StoredRoom, token: string): RoomClaims {
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded || typeof decoded.payload !== 'object') throw new ApiError(403, 'token');
    if (decoded.header.alg !== ALGORITHM) throw new ApiError(402, 'token');
    let claims: jwt.JwtPayload;
    try {
      claims = jwt.verify(token, this.keyFor(room), { algorithms: [ALGORITHM], clockTimestamp: this.nowSeconds() }) as jwt.JwtPayload;
    } catch (err) {
      if (err instanceof jwt.JsonWebTokenError && err.message === 'invalid signature') {
        throw new ApiError(401, 'token', { cause: err });
      }
      throw new ApiError(403, 'token', { cause: err });
    }
    if (claims.room_id !== room.id || typeof claims.username !== 'string' || typeof claims.exp !== 'number') {
      throw new ApiError(403, 'token');
    }
    return claims as RoomClaims;
  }
}
