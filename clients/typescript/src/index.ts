/**
 * TypeScript SDK for the ChitChat-compatible chat-room API.
 *
 * `paths` and `components` are generated from openapi.yaml; the client is openapi-fetch over them.
 * The helpers below only remember room and owner tokens and attach them, and turn error bodies into exceptions.
 */
import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './generated/openapi.js';

export type { components, operations, paths };
export type Room = components['schemas']['Room'];
export type RoomCreate = components['schemas']['RoomCreate'];
export type RoomUpdate = components['schemas']['RoomUpdate'];
export type RoomPage = components['schemas']['RoomPage'];
export type TokenResponse = components['schemas']['TokenResponse'];
export type ErrorResponse = components['schemas']['ErrorResponse'];
export type ErrorCode = components['schemas']['ErrorCode'];

/** An error body from the server, thrown by `unwrap`. */
export class ChitChatError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  constructor(
    readonly status: number,
    body: ErrorResponse,
  ) {
    super(`${body.error.error}${body.error.field ? ` (${body.error.field})` : ''}`);
    this.name = 'ChitChatError';
    this.code = body.error.code;
    this.field = body.error.field;
  }
}

type FetchResult<T> = { data?: T; error?: unknown; response: Response };

/** The data of a successful call, or a ChitChatError carrying the server's code and field. */
export function unwrap<T>(result: FetchResult<T>): T {
  if (result.data !== undefined && result.response.ok) return result.data;
  const body = result.error as ErrorResponse | undefined;
  if (body && typeof body === 'object' && body.error) throw new ChitChatError(result.response.status, body);
  throw new Error(`unexpected response ${result.response.status}`);
}

export interface ChitChatClient extends Client<paths> {
  /** Remembers a token for a room (by id or title): calls on that room, by either, carry it. */
  setToken(room: string | number, token: string): void;
  forgetToken(room: string | number): void;
  tokenFor(room: string | number): string | undefined;
  /**
   * Remembers a room's owner token (kept from `createRoom` already): changing or deleting that room
   * carries it instead of the room token.
   */
  setOwnerToken(room: string | number, ownerToken: string): void;
  ownerTokenFor(room: string | number): string | undefined;
  /** POST /chats: the created room, or a thrown ChitChatError. Its `owner_token` is remembered. */
  createRoom(body: RoomCreate): Promise<Room>;
  /**
   * POST /chats/{roomId}/token and remember the token for later calls on that room.
   * Returns undefined for a public room, which needs none.
   */
  authorize(room: string | number, secret: string, name: string): Promise<TokenResponse | undefined>;
}

/**
 * Titles compare as the server compares them: after NFKC normalisation, with full case folding (ß is ss).
 * The server also takes titles that only look alike across scripts for one (UTS #39 skeletons, from a table
 * the SDK does not carry): such a title is not recognised here as one the client has a token for.
 */
const titleKey = (title: string) => title.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
const isId = (room: string | number) => typeof room === 'number' || /^[0-9]{1,15}$/.test(room);

/**
 * A client for one server. Tokens are kept by room id: a call on a room by its title carries the
 * room's token once the client has seen which id that title has (from any response naming the room:
 * the room itself, a page of rooms, a token). Renewals replace the token they renew.
 */
export function createChitChatClient(options: ClientOptions & { baseUrl: string }): ChitChatClient {
  const client = createClient<paths>(options);
  const tokens = new Map<number, string>();
  const ownerTokens = new Map<number, string>();
  const ids = new Map<string, number>();
  /** Tokens set for a title whose id is not known yet. */
  const byTitle = new Map<string, string>();
  const ownersByTitle = new Map<string, string>();
  const idOf = (room: string | number) => (isId(room) ? Number(room) : ids.get(titleKey(String(room))));
  const learn = (title: string, id: number) => {
    ids.set(titleKey(title), id);
    for (const [pendingByTitle, kept] of [[byTitle, tokens], [ownersByTitle, ownerTokens]] as const) {
      const pending = pendingByTitle.get(titleKey(title));
      if (pending !== undefined && !kept.has(id)) kept.set(id, pending);
      pendingByTitle.delete(titleKey(title));
    }
  };
  const lookupIn = (kept: Map<number, string>, pendingByTitle: Map<string, string>, room: string | number) => {
    const id = idOf(room);
    return id === undefined ? pendingByTitle.get(titleKey(String(room))) : kept.get(id);
  };
  const lookup = (room: string | number) => lookupIn(tokens, byTitle, room);
  const lookupOwner = (room: string | number) => lookupIn(ownerTokens, ownersByTitle, room);
  const keep = (kept: Map<number, string>, pendingByTitle: Map<string, string>, room: string | number, token: string) => {
    const id = idOf(room);
    if (id === undefined) pendingByTitle.set(titleKey(String(room)), token);
    else kept.set(id, token);
  };

  const attachToken: Middleware = {
    onRequest({ request, params, schemaPath }) {
      const roomId = (params.path as { roomId?: string | number } | undefined)?.roomId;
      // Changing or deleting a room is what its owner token is for; everything else takes the room token.
      const managing = schemaPath === '/chats/{roomId}' && (request.method === 'PUT' || request.method === 'DELETE');
      const token = roomId === undefined ? undefined : ((managing ? lookupOwner(roomId) : undefined) ?? lookup(roomId));
      if (token && !request.headers.has('Authorization')) request.headers.set('Authorization', `Bearer ${token}`);
      return request;
    },
    async onResponse({ response, params, schemaPath }) {
      if (!response.ok || !response.headers.get('content-type')?.includes('json')) return response;
      const roomId = (params.path as { roomId?: string | number } | undefined)?.roomId;
      const body = (await response.clone().json()) as Partial<Room & RoomPage & TokenResponse>;
      for (const room of [body, ...(Array.isArray(body.rooms) ? body.rooms : [])]) {
        if (typeof room.id === 'number' && typeof room.title === 'string') learn(room.title, room.id);
      }
      if (typeof body.room_id === 'number' && roomId !== undefined && !isId(roomId)) learn(String(roomId), body.room_id);
      if (typeof body.id === 'number' && roomId !== undefined && !isId(roomId)) learn(String(roomId), body.id);
      if (schemaPath === '/chats' && response.status === 201 && typeof body.id === 'number' && typeof body.owner_token === 'string') {
        ownerTokens.set(body.id, body.owner_token);
      }
      if (schemaPath === '/chats/{roomId}/token/renew' && response.status === 201 && typeof body.token === 'string' && typeof body.room_id === 'number') {
        tokens.set(body.room_id, body.token);
      }
      return response;
    },
  };
  client.use(attachToken);

  return Object.assign(client, {
    setToken(room: string | number, token: string) {
      keep(tokens, byTitle, room, token);
    },
    forgetToken(room: string | number) {
      const id = idOf(room);
      if (id !== undefined) tokens.delete(id);
      byTitle.delete(titleKey(String(room)));
    },
    tokenFor(room: string | number) {
      return lookup(room);
    },
    setOwnerToken(room: string | number, ownerToken: string) {
      keep(ownerTokens, ownersByTitle, room, ownerToken);
    },
    ownerTokenFor(room: string | number) {
      return lookupOwner(room);
    },
    async createRoom(body: RoomCreate) {
      return unwrap(await client.POST('/chats', { body }));
    },
    async authorize(room: string | number, secret: string, name: string) {
      const result = await client.POST('/chats/{roomId}/token', {
        params: { path: { roomId: String(room) } },
        body: { secret, name },
      });
      const data = unwrap(result);
      if (!('token' in data)) return undefined;
      tokens.set(data.room_id, data.token);
      return data;
    },
  });
}

export {
  ChatConnection,
  ChatRefusedError,
  chatUrl,
  type ChatOptions,
  type ClientEvent,
  type ServerEvent,
  type ServerEventOf,
  type WebSocketConstructor,
  type WebSocketLike,
} from './chat.js';
