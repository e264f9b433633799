import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { ClientEvent, ErrorEvent, JoinedEvent, LeftEvent, SaidEvent } from '../../generated/asyncapi.js';
import type { RoomTokens } from '../auth/tokens.js';
import type { ChatLimits } from '../config.js';
import type { ChatContract, CloseCodeName } from '../contract/chat.js';
import type { Contract } from '../contract/document.js';
import { ApiError, StoreUnavailableError, type ErrorCode } from '../errors.js';
import { errorBody, replyErrorOnSocket } from '../http/reply.js';
import { fieldOf, firstError } from '../http/validation-errors.js';
import type { Logger } from '../logger.js';
import type { RoomObserver, RoomService } from '../rooms/service.js';
import type { MessageStore, StoredRoom } from '../store/store.js';
import type { RoomFanout } from './fanout.js';
import { admit, roomIdOf, type Admission } from './handshake.js';
import { nameKey, type Presence } from './presence.js';
import { TokenBucket } from './rate.js';

export interface ChatDeps {
  limits: ChatLimits;
  contract: Contract;
  chat: ChatContract;
  rooms: RoomService;
  messages: MessageStore;
  tokens: RoomTokens;
  presence: Presence;
  fanout: RoomFanout;
  logger: Logger;
}

interface Connection {
  ws: WebSocket;
  room: StoredRoom;
  /** The token's username, for private and hidden rooms; null in public rooms. */
  tokenUser: string | null;
  /** The password hash the token was checked against: a new one revokes it. */
  admittedHash: string;
  /** The name this connection joined under; null before `join` and after `leave`. */
  name: string | null;
  color: string;
  alive: boolean;
  bucket: TokenBucket;
  /** Frames are handled one after another, in order, though presence and fan-out are asynchronous. */
  queue: Promise<void>;
}

interface LocalRoom {
  connections: Set<Connection>;
  subscribed: Promise<() => void>;
}

/** Stops a frame with an `error` event to its sender; the connection stays open. */
class FrameRefused extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly field?: string,
  ) {
    super(`frame refused: ${code}`);
  }
}

const now = () => new Date().toISOString();
/** One options object for every broadcast send: the frame is text, sent as the Buffer it was encoded to once. */
const TEXT = { binary: false } as const;

/**
 * Chat over WebSocket on the REST server's port: admission at the upgrade, frames validated by
 * asyncapi.yaml's payload schemas, broadcasts through the room fan-out, presence kept current.
 */
export class ChatServer implements RoomObserver {
  private readonly wss: WebSocketServer;
  private readonly localRooms = new Map<number, LocalRoom>();
  private readonly selectedProtocols = new WeakMap<IncomingMessage, string>();
  private readonly pinger: NodeJS.Timeout;
  /** Room changes, counted, so that an upgrade admitted against a room that changed meanwhile is caught. */
  private changes = 0;
  private readonly changedAt = new Map<number, number>();
  private readonly deleted = new Set<number>();

  constructor(private readonly deps: ChatDeps) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: deps.limits.maxFrameBytes,
      handleProtocols: (_offered, req) => this.selectedProtocols.get(req) ?? false,
    });
    this.pinger = setInterval(() => this.pingAll(), deps.limits.pingIntervalMs).unref();
    deps.rooms.observe(this);
  }

  /** The server's 'upgrade' listener for WebSocket upgrades: admits the socket or answers like the REST API. */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const seen = this.changes;
    try {
      const room = await this.deps.rooms.resolve(roomIdOf(req.url));
      const admission = admit(room, req, this.deps.tokens);
      if (admission.protocol) this.selectedProtocols.set(req, admission.protocol);
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, room, admission, seen));
    } catch (err) {
      const refusal = err instanceof ApiError ? err : new ApiError(err instanceof StoreUnavailableError ? 701 : 702);
      if (refusal.code === 702) this.deps.logger.error({ err }, 'websocket upgrade failed');
      if (socket.writable) replyErrorOnSocket(socket, this.deps.contract, refusal);
      else socket.destroy();
    }
  }

  private accept(ws: WebSocket, room: StoredRoom, admission: Admission, seen: number): void {
    const { limits } = this.deps;
    const connection: Connection = {
      ws,
      room,
      tokenUser: admission.claims?.username ?? null,
      admittedHash: room.passwordHash,
      name: null,
      color: '',
      alive: true,
      bucket: new TokenBucket(limits.ratePerSecond, limits.rateBurst),
      queue: Promise.resolve(),
    };
    const local = this.localRoom(room.id);
    local.connections.add(connection);
    connection.queue = local.subscribed.then(() => undefined);
    ws.on('pong', () => (connection.alive = true));
    ws.on('message', (data, isBinary) => {
      // The rate counts frames as they arrive, however long the store takes with earlier ones.
      const allowed = connection.bucket.take();
      connection.queue = connection.queue.then(() => this.receive(connection, data, isBinary, allowed));
    });
    ws.on('error', (err) => {
      // ws closes the socket itself after an error (1009 for an oversized frame); log only the unexpected.
      if ((err as { code?: string }).code !== 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.deps.logger.warn({ err }, 'websocket error');
    });
    ws.on('close', () => {
      connection.queue = connection.queue.then(() => this.disconnected(connection));
    });
    // The room was deleted or changed while this upgrade was being admitted: admit nothing stale.
    if ((this.changedAt.get(room.id) ?? -1) >= seen) this.kick(connection, this.deleted.has(room.id) ? 'roomDeleted' : 'tokenRevoked');
  }

  private localRoom(roomId: number): LocalRoom {
    let local = this.localRooms.get(roomId);
    if (!local) {
      const connections = new Set<Connection>();
      const subscribed = this.deps.fanout.subscribe(roomId, (frame) => this.deliver(connections, frame));
      local = { connections, subscribed };
      this.localRooms.set(roomId, local);
    }
    return local;
  }

  /** Whether the socket can take `bytes` more without passing the unsent-bytes cap; closes it with 1013 if not. */
  private hasRoom(connection: Connection, bytes: number): boolean {
    if (connection.ws.readyState !== WebSocket.OPEN) return false;
    if (connection.ws.bufferedAmount + bytes <= this.deps.limits.maxBufferedBytes) return true;
    this.kick(connection, 'slowReader');
    return false;
  }

  /** One serialized frame to every socket of the room here; a socket too far behind is closed, not waited for. */
  private deliver(connections: Set<Connection>, frame: string): void {
    const data = Buffer.from(frame);
    for (const connection of connections) {
      if (this.hasRoom(connection, data.length)) connection.ws.send(data, TEXT);
    }
  }

  private async receive(connection: Connection, data: RawData, isBinary: boolean, allowed: boolean): Promise<void> {
    if (connection.ws.readyState !== WebSocket.OPEN) return; // closing: a kicked socket says nothing more
    try {
      if (!allowed) throw new FrameRefused(605);
      const event = this.parse(data, isBinary);
      switch (event.event_type) {
        case 'join':
          return await this.join(connection, event.name, event.color ?? '');
        case 'send':
          return await this.say(connection, event.name, event.msg, event.color);
        case 'leave':
          return await this.leave(connection, event.name);
      }
    } catch (err) {
      if (err instanceof FrameRefused) return this.refuse(connection, err);
      // A bug or a failing store must not take the process (and every other room) down with it.
      const code = err instanceof StoreUnavailableError ? 701 : 702;
      this.deps.logger.error({ err }, 'failed to handle a chat frame');
      this.refuse(connection, new FrameRefused(code));
    }
  }

  /** A client frame as asyncapi.yaml defines it, or FrameRefused(303) naming what is wrong. */
  private parse(data: RawData, isBinary: boolean): ClientEvent {
    if (isBinary) throw new FrameRefused(303);
    let frame: unknown;
    try {
      frame = JSON.parse(data.toString());
    } catch {
      throw new FrameRefused(303);
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) throw new FrameRefused(303);
    const eventType = (frame as { event_type?: unknown }).event_type;
    const validate = typeof eventType === 'string' ? this.deps.chat.clientFrames.get(eventType) : undefined;
    if (!validate) throw new FrameRefused(303, 'event_type');
    if (!validate(frame)) {
      const error = firstError(validate.errors ?? []);
      throw new FrameRefused(303, error && fieldOf(error, 0));
    }
    return frame as ClientEvent;
  }

  private async join(connection: Connection, name: string, color: string): Promise<void> {
    if (connection.name !== null) throw new FrameRefused(301, 'event_type');
    const { room } = connection;
    if (room.visibility !== 'public' && (connection.tokenUser === null || nameKey(connection.tokenUser) !== nameKey(name))) {
      throw new FrameRefused(204, 'name');
    }
    const at = now();
    if (!(await this.deps.presence.join(room.id, { username: name, color, last_activity: at }))) throw new FrameRefused(202, 'name');
    connection.name = name;
    connection.color = color;
    await this.broadcast<JoinedEvent>(room.id, { event_type: 'join', name, color, msg: `${name} entered the room.`, time: at, room_id: room.id });
  }

  private async say(connection: Connection, name: string, msg: string, color: string | undefined): Promise<void> {
    const joined = this.requireJoinedAs(connection, name);
    const at = now();
    const { room } = connection;
    await this.deps.presence.touch(room.id, joined, at);
    // Stored before it is broadcast: what the room saw is in its history, with the seq it was shown with.
    const stored = await this.deps.messages.append({ room_id: room.id, name: joined, color: color ?? connection.color, msg, time: at });
    await this.broadcast<SaidEvent>(room.id, { event_type: 'send', ...stored });
  }

  private async leave(connection: Connection, name: string): Promise<void> {
    this.requireJoinedAs(connection, name);
    await this.left(connection);
  }

  private requireJoinedAs(connection: Connection, name: string): string {
    if (connection.name === null) throw new FrameRefused(201, 'name');
    if (nameKey(name) !== nameKey(connection.name)) throw new FrameRefused(204, 'name');
    return connection.name;
  }

  /** Removes the connection's user and tells the room, once, whether by `leave` or by disconnecting. */
  private async left(connection: Connection): Promise<void> {
    const name = connection.name;
    if (name === null) return;
    connection.name = null;
    const { room } = connection;
    await this.deps.presence.leave(room.id, name);
    await this.broadcast<LeftEvent>(room.id, {
      event_type: 'leave',
      name,
      color: connection.color,
      msg: `${name} has left the room.`,
      time: now(),
      room_id: room.id,
    });
  }

  private async disconnected(connection: Connection): Promise<void> {
    try {
      await this.left(connection);
    } catch (err) {
      this.deps.logger.warn({ err }, 'could not announce a departure');
    }
    const local = this.localRooms.get(connection.room.id);
    if (!local) return;
    local.connections.delete(connection);
    if (local.connections.size === 0) {
      this.localRooms.delete(connection.room.id);
      (await local.subscribed)();
    }
  }

  private broadcast<T extends JoinedEvent | SaidEvent | LeftEvent>(roomId: number, event: T): Promise<void> {
    return this.deps.fanout.publish(roomId, JSON.stringify(event));
  }

  private refuse(connection: Connection, refusal: FrameRefused): void {
    const { body } = errorBody(this.deps.contract, new ApiError(refusal.code, refusal.field));
    const event: ErrorEvent = { event_type: 'error', error: body.error, time: now(), room_id: connection.room.id };
    const frame = JSON.stringify(event);
    // Replies count against the unsent-bytes cap too: a flood from a peer that never reads ends here.
    if (this.hasRoom(connection, Buffer.byteLength(frame))) connection.ws.send(frame);
  }

  private kick(connection: Connection, why: CloseCodeName): void {
    const { code, reason } = this.deps.chat.closeCodes[why];
    if (connection.ws.readyState === WebSocket.OPEN) connection.ws.close(code, reason);
    // A peer that does not read will not answer the close handshake either.
    setTimeout(() => connection.ws.terminate(), 1000).unref();
  }

  private pingAll(): void {
    for (const local of this.localRooms.values()) {
      for (const connection of local.connections) {
        if (!connection.alive) {
          connection.ws.terminate();
          continue;
        }
        connection.alive = false;
        connection.ws.ping();
      }
    }
  }

  private noteChange(roomId: number): void {
    this.changedAt.set(roomId, this.changes++);
  }

  roomUpdated(room: StoredRoom): void {
    this.noteChange(room.id);
    for (const connection of this.localRooms.get(room.id)?.connections ?? []) {
      connection.room = room;
      // Expiry is not revocation: a socket stays as long as the password its token was made with.
      const stillAdmitted = room.visibility === 'public' || (connection.tokenUser !== null && connection.admittedHash === room.passwordHash);
      if (!stillAdmitted) this.kick(connection, 'tokenRevoked');
    }
  }

  roomDeleted(roomId: number): void {
    this.noteChange(roomId);
    this.deleted.add(roomId);
    for (const connection of this.localRooms.get(roomId)?.connections ?? []) this.kick(connection, 'roomDeleted');
  }

  async close(): Promise<void> {
    clearInterval(this.pinger);
    for (const local of this.localRooms.values()) {
      for (const connection of local.connections) this.kick(connection, 'shuttingDown');
    }
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
