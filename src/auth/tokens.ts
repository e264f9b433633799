import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import jws from 'jws';
import { ApiError } from '../errors.js';
import type { StoredRoom } from '../store/store.js';

const ALGORITHM = 'HS256';
/** The JWS header of every owner token, as the first part of its compact form (RFC 7515, 7.1). */
const OWNER_HEADER = Buffer.from(JSON.stringify({ alg: ALGORITHM, typ: 'JWT' })).toString('base64url');

/** RFC 6750's credentials: the scheme `Bearer` in any case, then one b64token and nothing after it. */
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The token of an Authorization header: only `Bearer <t>`, unless `chitchatForms`, when what ChitChat
 * also took is read too: the second word after any first one, or a bare token.
 */
export function bearerToken(header: string | undefined, chitchatForms = false): string | undefined {
  if (!header) return undefined;
  const bearer = BEARER.exec(header);
  if (bearer) return bearer[1];
  if (!chitchatForms) return undefined;
  const parts = header.trim().split(/\s+/);
  return parts.length > 1 ? parts[1] : parts[0] || undefined;
}

/**
 * An HMAC key as jsonwebtoken takes it without guessing: given a string, it first tries to read it as a
 * PEM private or public key and catches the failure, which made signing an owner token most of a
 * createRoom's CPU. The key's bytes are the text's UTF-8, as jsonwebtoken would have used.
 */
const hmacKey = (text: string): KeyObject => createSecretKey(Buffer.from(text, 'utf8'));

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

  private keyFor(room: StoredRoom): KeyObject {
    return hmacKey(`${this.secretKey}${room.passwordHash}${room.id}`);
  }

  /**
   * An owner token's key: unlike a room token's, it holds no password hash (a new password leaves the
   * owner in charge), and the creation time ties it to this room, not to a later one with its title.
   * A password hash never starts with "owner:", so no room token's key is ever an owner token's.
   * Bytes, not a KeyObject: an owner token is checked with jws, which takes them as they are.
   */
  private ownerKeyFor(room: StoredRoom): Buffer {
    return Buffer.from(`${this.secretKey}owner:${room.id}:${room.createdAt}`, 'utf8');
  }

  /**
   * The credential of the room's creator: no name and no expiry; it ends with the room. An HS256 JWT like
   * a room token. Every createRoom signs one, so it is signed here, with one HMAC of the compact form's
   * two parts: jws, which checks it (isOwner), took 7–15 µs more a request under load for the same
   * signature (util.format, regular expressions, copies), and jsonwebtoken more again (option checks).
   */
  issueOwner(room: StoredRoom): string {
    const payload = Buffer.from(JSON.stringify({ room_id: room.id, owner: true, iat: this.nowSeconds() })).toString('base64url');
    const signed = `${OWNER_HEADER}.${payload}`;
    return `${signed}.${createHmac('sha256', this.ownerKeyFor(room)).update(signed).digest('base64url')}`;
  }

  /** Whether `token` is this room's owner token: signed with its owner key, and saying so. */
  isOwner(room: StoredRoom, token: string): boolean {
    let decoded: { header: { alg?: unknown }; payload: unknown } | null;
    try {
      decoded = jws.decode(token, { json: true }) as typeof decoded;
    } catch {
      return false; // a payload that is not JSON
    }
    if (decoded?.header.alg !== ALGORITHM || !jws.verify(token, ALGORITHM, this.ownerKeyFor(room))) return false;
    const claims = decoded.payload as { owner?: unknown; room_id?: unknown } | null;
    return claims?.owner === true && claims.room_id === room.id;
  }

  issue(room: StoredRoom, username: string): string {
    return jwt.sign({ username, room_id: room.id, iat: this.nowSeconds() }, this.keyFor(room), {
      algorithm: ALGORITHM,
      expiresIn: this.ttlSeconds,
    });
  }

  /** The token's claims, or an ApiError: 402 for another algorithm, 401 for a bad signature, 403 otherwise. */
  verify(room: StoredRoom, token: string): RoomClaims {
    let decoded: jwt.Jwt | null;
    try {
      decoded = jwt.decode(token, { complete: true });
    } catch (err) {
      throw new ApiError(403, 'token', { cause: err }); // a payload that is not JSON, in a JWT-typed token
    }
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
