import type { IncomingMessage } from 'node:http';
import { bearerToken, type RoomClaims, type RoomTokens } from '../auth/tokens.js';
import { ApiError } from '../errors.js';
import { splitUrl } from '../http/mount.js';
import { needsToken } from '../rooms/access.js';
import type { StoredRoom } from '../store/store.js';

/** asyncapi.yaml's channel address, /chats/{roomId}/ws. */
const CHANNEL = /^\/chats\/([^/]+)\/ws\/?$/;

/**
 * An upgrade request's path below the base path when it is the chat channel's, else null: upgrades to
 * other paths are the host's (its own WebSocket endpoints), not the chat's.
 */
export function channelPath(url: string | undefined, basePath: string): string | null {
  const { path } = splitUrl(url ?? '');
  if (!path.startsWith(basePath)) return null;
  const below = path.slice(basePath.length);
  return CHANNEL.test(below) ? below : null;
}

/** The roomId of an upgrade request's path; 601 for another path, 101 for a segment that is not UTF-8. */
export function roomIdOf(url: string | undefined): string {
  const { path } = splitUrl(url ?? '');
  const match = CHANNEL.exec(path);
  if (!match) throw new ApiError(601);
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    throw new ApiError(101);
  }
}

export interface Admission {
  /** The token the socket was admitted with; null in public rooms. */
  token: string | null;
  claims: RoomClaims | null;
  /** The subprotocol to select in the answer: browsers fail the handshake unless one they offered is. */
  protocol: string | null;
}

function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  return (header ?? '').split(',').map((p) => p.trim()).filter(Boolean);
}

/**
 * Who may open a socket on this room. Public rooms: anyone. Private and hidden rooms: a valid token
 * for this room, offered as a subprotocol or sent as a bearer token; the same ApiErrors as REST otherwise.
 */
export function admit(room: StoredRoom, req: IncomingMessage, tokens: RoomTokens, chitchatCompat: boolean): Admission {
  const protocols = offeredProtocols(req);
  if (!needsToken(room)) return { token: null, claims: null, protocol: protocols[0] ?? null };
  const authorization = req.headers.authorization;
  const candidates: { token: string; protocol: string | null }[] = [
    ...protocols.map((p) => ({ token: p, protocol: p })),
    ...(authorization ? [{ token: bearerToken(authorization, chitchatCompat) ?? '', protocol: null }] : []),
  ].filter((c) => c.token);
  let refusal = new ApiError(403, 'token');
  for (const [i, candidate] of candidates.entries()) {
    try {
      const claims = tokens.verify(room, candidate.token);
      return { token: candidate.token, claims, protocol: candidate.protocol ?? protocols[0] ?? null };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (i === 0) refusal = err;
    }
  }
  throw refusal;
}
