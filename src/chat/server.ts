import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { ClientEvent, ErrorEvent, JoinedEvent, LeftEvent, SaidEvent } from '../../generated/asyncapi.js';
import type { RoomTokens } from '../auth/tokens.js';
import type { ChatLimits } from '../config.js';
import type { ChatContract, CloseCodeName } from '../contract/chat.js';
import type { Contract } from '../contract/document.js';
import { ApiError, type ErrorCode } from '../errors.js';
import { errorBody, replyErrorOnSocket } from '../http/reply.js';
import { fieldOf, firstError } from '../http/validation-errors.js';
import type { Logger } from '../logger.js';
import type { RoomObserver, RoomService } from '../rooms/service.js';
import type { StoredRoom } from '../store/store.js';
import type { RoomFanout } from './fanout.js';
import { admit, roomIdOf } from './handshake.js';
import { nameKey, type Presence } from './presence.js';
import { TokenBucket } from './rate.js';

export interface ChatDeps {
  limits: ChatLimits;
  contract: Contract;
  chat: ChatContract;
  rooms: RoomService;
  tokens: RoomTokens;
  presence: Presence;
  fanout: RoomFanout;
  logger: Logger;
}

interface Connection {
  ws: WebSocket;
  room: StoredRoom;
  token: string | null;
  /** The name this connection joined under; null before `join` and after `leave`. */
  name: string | null;
  color: string;
  alive: boolean;
  bucket: TokenBucket;
}

interface LocalRoom {
  connections: Set<Connection>;
  unsubscribe: () => void;
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

/**
 * Chat over WebSocket on the REST server's port: admission at the upgrade, frames validated by
 * asyncapi.yaml's payload schemas, broadcasts through the room fan-out, presence kept current.
 */
export class ChatServer implements RoomObserver {
  private readonly wss: WebSocketServer;
  private readonly localRooms = new Map<number, LocalRoom>();
  private readonly selectedProtocols = new WeakMap<IncomingMessage, string>();
  private readonly pinger: NodeJS.Timeout;

  constructor(private readonly deps: ChatDeps) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: deps.limits.maxFrameBytes,
      handleProtocols: (_offered, req) => this.selectedProtocols.get(req) ?? false,
    });
    this.pinger = setInterval(() => this.pingAll(), deps.limits.pingIntervalMs).unref();
    deps.rooms.observe(this);
  }

  /** The server's 'upgrade' listener: admits the socket or answers like the REST API would. */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    try {
      const room = await this.deps.rooms.resolve(roomIdOf(req.url));
      const admission = admit(room, req, this.deps.tokens);
      if (admission.protocol) this.selectedProtocols.set(req, admission.protocol);
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, room, admission.token));
    } catch (err) {
      const refusal = err instanceof ApiError ? err : new ApiError(702);
      if (!(err instanceof ApiError)) this.deps.logger.error({ err }, 'websocket upgrade failed');
      if (socket.writable) replyErrorOnSocket(socket, this.deps.contract, refusal);
      else socket.destroy();
    }
  }

  private accept(ws: WebSocket, room: StoredRoom, token: string | null): void {
    const { limits } = this.deps;
    const connection: Connection = {
      ws,
      room,
      token,
      name: null,
      color: '',
      alive: true,
      bucket: new TokenBucket(limits.ratePerSecond, limits.rateBurst),
    };
    this.localRoom(room.id).connections.add(connection);
    ws.on('pong', () => (connection.alive = true));
    ws.on('message', (data, isBinary) => this.receive(connection, data, isBinary));
    ws.on('error', (err) => {
      // ws closes the socket itself after an error (1009 for an oversized frame); log only the unexpected.
      if ((err as { code?: string }).code !== 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.deps.logger.warn({ err }, 'websocket error');
    });
    ws.on('close', () => this.disconnected(connection));
  }

  private localRoom(roomId: number): LocalRoom {
    let local = this.localRooms.get(roomId);
    if (!local) {
      const connections = new Set<Connection>();
      const unsubscribe = this.deps.fanout.subscribe(roomId, (frame) => this.deliver(connections, frame));
      this.localRooms.set(roomId, (local = { connections, unsubscribe }));
    }
    return local;
  }

  /** One serialized frame to every socket of the room here; a socket too far behind is closed, not waited for. */
  private deliver(connections: Set<Connection>, frame: string): void {
    const data = Buffer.from(frame);
    const limit = this.deps.limits.maxBufferedBytes;
    for (const connection of connections) {
      const { ws } = connection;
      if (ws.readyState !== WebSocket.OPEN) continue;
      if (ws.bufferedAmount + data.length > limit) {
        this.kick(connection, 'slowReader');
        continue;
      }
      ws.send(data, { binary: false });
    }
  }

  private receive(connection: Connection, data: RawData, isBinary: boolean): void {
    try {
      if (!connection.bucket.take()) throw new FrameRefused(605);
      const event = this.parse(data, isBinary);
      switch (event.event_type) {
        case 'join':
          return this.join(connection, event.name, event.color ?? '');
        case 'send':
          return this.say(connection, event.name, event.msg, event.color);
        case 'leave':
          return this.leave(connection, event.name);
      }
    } catch (err) {
      if (err instanceof FrameRefused) return this.refuse(connection, err);
      // A bug must not take the process (and every other room) down with it.
      this.deps.logger.error({ err }, 'failed to handle a chat frame');
      this.refuse(connection, new FrameRefused(702));
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

  private join(connection: Connection, name: string, color: string): void {
    if (connection.name !== null) throw new FrameRefused(301, 'event_type');
    const { room } = connection;
    if (room.visibility !== 'public' && !this.isTokenUser(connection, name)) throw new FrameRefused(204, 'name');
    const at = now();
    if (!this.deps.presence.join(room.id, { username: name, color, last_activity: at })) throw new FrameRefused(202, 'name');
    connection.name = name;
    connection.color = color;
    this.broadcast<JoinedEvent>(room.id, { event_type: 'join', name, color, msg: `${name} entered the room.`, time: at, room_id: room.id });
  }

  private say(connection: Connection, name: string, msg: string, color: string | undefined): void {
    this.requireJoinedAs(connection, name);
    const at = now();
    this.deps.presence.touch(connection.room.id, connection.name!, at);
    this.broadcast<SaidEvent>(connection.room.id, {
      event_type: 'send',
      name: connection.name!,
      color: color ?? connection.color,
      msg,
      time: at,
      room_id: connection.room.id,
    });
  }

  private leave(connection: Connection, name: string): void {
    this.requireJoinedAs(connection, name);
    this.left(connection);
  }

  private requireJoinedAs(connection: Connection, name: string): void {
    if (connection.name === null) throw new FrameRefused(201, 'name');
    if (nameKey(name) !== nameKey(connection.name)) throw new FrameRefused(204, 'name');
  }

  private isTokenUser(connection: Connection, name: string): boolean {
    if (!connection.token) return false;
    try {
      return nameKey(this.deps.tokens.verify(connection.room, connection.token).username) === nameKey(name);
    } catch {
      return false;
    }
  }

  /** Removes the connection's user and tells the room, once, whether by `leave` or by disconnecting. */
  private left(connection: Connection): void {
    const name = connection.name;
    if (name === null) return;
    connection.name = null;
    const { room } = connection;
    this.deps.presence.leave(room.id, name);
    this.broadcast<LeftEvent>(room.id, {
      event_type: 'leave',
      name,
      color: connection.color,
      msg: `${name} has left the room.`,
      time: now(),
      room_id: room.id,
    });
  }

  private disconnected(connection: Connection): void {
    this.left(connection);
    const local = this.localRooms.get(connection.room.id);
    if (!local) return;
    local.connections.delete(connection);
    if (local.connections.size === 0) {
      local.unsubscribe();
      this.localRooms.delete(connection.room.id);
    }
  }

  private broadcast<T extends JoinedEvent | SaidEvent | LeftEvent>(roomId: number, event: T): void {
    this.deps.fanout.publish(roomId, JSON.stringify(event));
  }

  private refuse(connection: Connection, refusal: FrameRefused): void {
    const { body } = errorBody(this.deps.contract, new ApiError(refusal.code, refusal.field));
    const event: ErrorEvent = { event_type: 'error', error: body.error, time: now(), room_id: connection.room.id };
    if (connection.ws.readyState === WebSocket.OPEN) connection.ws.send(JSON.stringify(event));
  }

  private kick(connection: Connection, why: CloseCodeName): void {
    const { code, reason } = this.deps.chat.closeCodes[why];
    connection.ws.close(code, reason);
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

  roomUpdated(room: StoredRoom): void {
    const local = this.localRooms.get(room.id);
    if (!local) return;
    for (const connection of local.connections) {
      connection.room = room;
      if (room.visibility === 'public') continue;
      try {
        if (connection.token) {
          this.deps.tokens.verify(room, connection.token);
          continue;
        }
      } catch {
        // revoked: closed below
      }
      this.kick(connection, 'tokenRevoked');
    }
  }

  roomDeleted(roomId: number): void {
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
