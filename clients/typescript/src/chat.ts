/**
 * A typed chat client for /chats/{roomId}/ws, with the frame types generated from asyncapi.yaml.
 * Works with the browser's WebSocket and, in Node, with the `ws` package's (pass it as `WebSocket`).
 */
import type { ClientEvent, ServerEvent } from './generated/asyncapi.js';
import type { components } from './generated/openapi.js';

type ErrorResponse = components['schemas']['ErrorResponse'];

export type { ClientEvent, ServerEvent };
export type ServerEventType = ServerEvent['event_type'];
export type ServerEventOf<T extends ServerEventType> = Extract<ServerEvent, { event_type: T }>;

/** What the client needs of a WebSocket; the browser's and the `ws` package's both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** The events of the `ws` package's WebSocket that a browser's lacks. */
interface NodeStyleEvents {
  on(
    event: 'unexpected-response',
    listener: (
      request: { destroy(): void },
      response: { statusCode?: number; on(event: 'data', l: (chunk: Uint8Array) => void): void; on(event: 'end', l: () => void): void },
    ) => void,
  ): void;
}

function parseErrorBody(chunks: Uint8Array[]): ErrorResponse | undefined {
  try {
    const text = new TextDecoder().decode(concat(chunks));
    const body = JSON.parse(text) as ErrorResponse;
    return body && typeof body === 'object' && body.error ? body : undefined;
  } catch {
    return undefined;
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}

/**
 * The server refused to open the chat socket. `status` and `code` are the HTTP status and the error code
 * of the REST API's error body (404 and 101 for an unknown room, 403 and 403 for a missing or expired
 * token, 401 and 401 for one of another room); 0 and undefined where the WebSocket cannot see them (browsers).
 */
export class ChatRefusedError extends Error {
  readonly code: ErrorResponse['error']['code'] | undefined;
  readonly field: string | undefined;
  constructor(
    readonly room: string | number,
    readonly status: number,
    body: ErrorResponse | undefined,
  ) {
    super(body ? `the chat socket for room ${room} was refused: ${status} ${body.error.error}` : `could not open the chat socket for room ${room}`);
    this.name = 'ChatRefusedError';
    this.code = body?.error.code;
    this.field = body?.error.field;
  }
}

export interface ChatOptions {
  /** The server's HTTP base URL, e.g. http://127.0.0.1:8080; ws:// or wss:// is derived from it. */
  baseUrl: string;
  /** The room's id or title. */
  room: string | number;
  /** A room token, needed for private and hidden rooms; sent as the subprotocol, as browsers must. */
  token?: string;
  /** Defaults to globalThis.WebSocket. */
  WebSocket?: WebSocketConstructor;
}

export function chatUrl(baseUrl: string, room: string | number): string {
  return `${baseUrl.replace(/\/$/, '').replace(/^http/, 'ws')}/chats/${encodeURIComponent(String(room))}/ws`;
}

export class ChatConnection {
  /** Resolves with how the server (or the client) closed the socket. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly handlers = new Map<ServerEventType, Set<(event: ServerEvent) => void>>();
  private name: string | undefined;

  private constructor(private readonly socket: WebSocketLike) {
    socket.addEventListener('message', ({ data }) => {
      let event: ServerEvent;
      try {
        event = JSON.parse(String(data)) as ServerEvent;
      } catch {
        return; // not a frame of asyncapi.yaml's; nothing to hand over
      }
      for (const handler of this.handlers.get(event.event_type) ?? []) handler(event);
    });
    this.closed = new Promise((resolve) => socket.addEventListener('close', ({ code, reason }) => resolve({ code, reason })));
  }

  /**
   * Opens the socket. When the server refuses the upgrade (an unknown room, a missing or bad token),
   * rejects with a ChitChatError carrying the HTTP status and the error code and field, where the
   * WebSocket can see the refusal (the `ws` package, in Node); a browser's WebSocket tells nothing of
   * it, so there the error has status 0 and no code: ask the REST API (GET the room, renew the token).
   */
  static connect(options: ChatOptions): Promise<ChatConnection> {
    const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) throw new Error('no WebSocket implementation: pass one as options.WebSocket (in Node, the ws package)');
    const socket = new Ctor(chatUrl(options.baseUrl, options.room), options.token ? [options.token] : []);
    const connection = new ChatConnection(socket);
    return new Promise((resolve, reject) => {
      let readingRefusal = false;
      // The ws package (Node) hands over the refusing response; a browser's WebSocket has no such event.
      (socket as Partial<NodeStyleEvents>).on?.('unexpected-response', (request, response) => {
        readingRefusal = true;
        const chunks: Uint8Array[] = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          reject(new ChatRefusedError(options.room, response.statusCode ?? 0, parseErrorBody(chunks)));
          request.destroy();
        });
      });
      socket.addEventListener('open', () => resolve(connection));
      socket.addEventListener('error', () => {
        if (!readingRefusal) reject(new ChatRefusedError(options.room, 0, undefined));
      });
    });
  }

  /** Calls `handler` for every event of this type; returns the function that stops it. */
  on<T extends ServerEventType>(type: T, handler: (event: ServerEventOf<T>) => void): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    const wrapped = handler as (event: ServerEvent) => void;
    set.add(wrapped);
    return () => set.delete(wrapped);
  }

  /** The next event of this type; rejects if the socket closes first. */
  next<T extends ServerEventType>(type: T): Promise<ServerEventOf<T>> {
    return new Promise((resolve, reject) => {
      const off = this.on(type, (event) => {
        off();
        resolve(event);
      });
      void this.closed.then(({ code, reason }) => {
        off();
        reject(new Error(`the chat socket closed (${code} ${reason}) before a ${type} event`));
      });
    });
  }

  join(name: string, color?: string): void {
    this.name = name;
    this.write({ event_type: 'join', name, ...(color === undefined ? {} : { color }) });
  }

  send(msg: string, color?: string): void {
    this.write({ event_type: 'send', name: this.requireName(), msg, ...(color === undefined ? {} : { color }) });
  }

  leave(): void {
    this.write({ event_type: 'leave', name: this.requireName() });
    this.name = undefined;
  }

  close(code = 1000, reason = ''): Promise<{ code: number; reason: string }> {
    this.socket.close(code, reason);
    return this.closed;
  }

  /** The subprotocol the server selected: the token, when one was offered. */
  get protocol(): string {
    return this.socket.protocol;
  }

  private requireName(): string {
    if (this.name === undefined) throw new Error('join the room first');
    return this.name;
  }

  private write(event: ClientEvent): void {
    this.socket.send(JSON.stringify(event));
  }
}
