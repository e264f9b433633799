/**
 * TypeScript SDK for the ChitChat-compatible chat-room API.
 *
 * `paths` and `components` are generated from openapi.yaml; the client is openapi-fetch over them.
 * The helpers below only remember room tokens and attach them, and turn error bodies into exceptions.
 */
import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from '../../../generated/openapi.js';

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
  /** Remembers a token for a room, under its id and under the path segment used to get it. */
  setToken(room: string | number, token: string): void;
  forgetToken(room: string | number): void;
  tokenFor(room: string | number): string | undefined;
  /** POST /chats: the created room, or a thrown ChitChatError. */
  createRoom(body: RoomCreate): Promise<Room>;
  /**
   * POST /chats/{roomId}/token and remember the token for later calls on that room.
   * Returns undefined for a public room, which needs none.
   */
  authorize(room: string | number, secret: string, name: string): Promise<TokenResponse | undefined>;
}

/**
 * A client for one server. Calls on `/chats/{roomId}/...` carry `Authorization: Bearer` when a
 * token for that room is remembered (from `authorize` or `setToken`), and renewals replace it.
 */
export function createChitChatClient(options: ClientOptions & { baseUrl: string }): ChitChatClient {
  const client = createClient<paths>(options);
  const tokens = new Map<string, string>();
  const key = (room: string | number) => String(room).toLowerCase();

  const attachToken: Middleware = {
    onRequest({ request, params }) {
      const roomId = (params.path as { roomId?: string | number } | undefined)?.roomId;
      const token = roomId === undefined ? undefined : tokens.get(key(roomId));
      if (token && !request.headers.has('Authorization')) request.headers.set('Authorization', `Bearer ${token}`);
      return request;
    },
    async onResponse({ response, params, schemaPath }) {
      const roomId = (params.path as { roomId?: string | number } | undefined)?.roomId;
      if (schemaPath === '/chats/{roomId}/token/renew' && response.status === 201 && roomId !== undefined) {
        const body = (await response.clone().json()) as TokenResponse;
        remember(roomId, body);
      }
      return response;
    },
  };
  client.use(attachToken);

  function remember(room: string | number, body: TokenResponse): void {
    tokens.set(key(room), body.token);
    tokens.set(key(body.room_id), body.token);
  }

  return Object.assign(client, {
    setToken(room: string | number, token: string) {
      tokens.set(key(room), token);
    },
    forgetToken(room: string | number) {
      tokens.delete(key(room));
    },
    tokenFor(room: string | number) {
      return tokens.get(key(room));
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
      remember(room, data);
      return data;
    },
  });
}

export {
  ChatConnection,
  chatUrl,
  type ChatOptions,
  type ClientEvent,
  type ServerEvent,
  type ServerEventOf,
  type WebSocketConstructor,
  type WebSocketLike,
} from './chat.js';
