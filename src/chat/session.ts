import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocketServer, WebSocket, type RawData, type Server as WsServer } from 'ws';
import type { ClientEvent, ErrorEvent } from '../../generated/asyncapi.js';
import type { RoomTokens } from '../auth/tokens.js';
import type { ChatLimits } from '../config.js';
import type { ChatContract, CloseCodeName } from '../contract/chat.js';
import type { Contract } from '../contract/document.js';
import { errorBody, errorResponseText } from '../contract/error-body.js';
import { ApiError, failureOf } from '../errors.js';
import type { Logger } from '../logger.js';
import { stillAdmits } from '../rooms/access.js';
import type { RoomChange, RoomEvents } from '../rooms/events.js';
import type { RoomService } from '../rooms/service.js';
import type { StoredRoom } from '../store/store.js';
import type { Broker } from './broker.js';
import { RateLimitedError, type ClientLimits } from '../http/limits.js';
import { admit, roomIdOf, type Admission } from './handshake.js';
import { TokenBucket } from './rate.js';
import type { ChatService, Participant } from './service.js';
import { fieldOf, firstError } from '../contract/validation-errors.js';

export interface ChatSessionsDeps {
  limits: ChatLimits;
  contract: Contract;
  chat: ChatContract;
  rooms: RoomService;
  tokens: RoomTokens;
  service: ChatService;
  broker: Broker;
  roomEvents: RoomEvents;
  logger: Logger;
  /** Unique to this process: connection ids start with it. */
  instanceId: string;
  /** Presence leases are extended every quarter of it. */
  presenceTtlMs: number;
  /** config.chitchatCompat: which Authorization forms are read. */
  chitchatCompat: boolean;
  /** An upgrade counts as a request of its client, as REST calls do. */
  clientLimits: Pick<ClientLimits, 'request'>;
}

/** ws's WebSocket with its Connection beside it, once the upgrade is accepted. */
class ChatSocket extends WebSocket {
  connection: Connection | undefined;
}

/** What becomes of an accepted socket's events: ChatSessions' own methods, given the socket's connection. */
interface SocketEvents {
  pong(connection: Connection): void;
  message(connection: Connection, data: RawData, isBinary: boolean): void;
  error(connection: Connection, err: Error): void;
  close(connection: Connection): void;
}

/**
 * ChatSocket, with its four events handed straight to `events` instead of to listeners. ws tells a
 * socket's events by emitting them on it, and a listener is an entry in that socket's own table of them,
 * a dictionary that four entries take from 160 to 256 bytes: ten thousand idle sockets hold a megabyte
 * of it. Any other event, or one before the connection is set, is emitted as usual.
 */
function socketClass(events: SocketEvents): typeof ChatSocket {
  return class extends ChatSocket {
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      const { connection } = this;
      if (connection) {
        switch (event) {
          case 'message':
            events.message(connection, args[0] as RawData, args[1] as boolean);
            return true;
          case 'pong':
            events.pong(connection);
            return true;
          case 'error':
            events.error(connection, args[0] as Error);
            return true;
          case 'close':
            events.close(connection);
            return true;
        }
      }
      return super.emit(event, ...args);
    }
  };
}

interface Connection {
  ws: ChatSocket;
  /** The room's local state, which the connection leaves when its socket closes. */
  local: LocalRoom;
  participant: Participant;
  /** The password hash the token was checked against: a new one revokes it. */
  admittedHash: string;
  alive: boolean;
  /** Made at the first frame, not at the upgrade: most sockets only listen, and a new bucket is full either way. */
  bucket: TokenBucket | null;
  /** Frames are handled one after another, in order, though the rules are asynchronous. */
  queue: Promise<void>;
  /** Frames in `queue`, not yet handled: at the cap, a frame is refused at once instead of queued. */
  pending: number;
  /** Refusals in the current flood window, and when it began (performance.now()). */
  refusals: number;
  refusalsSince: number;
}

interface LocalRoom {
  connections: Set<Connection>;
  /** The last message delivered here: a later one that skips numbers has its gap filled from the store. */
  lastSeq: number | null;
  /** Frames that arrived while a gap was being filled, delivered after it. */
  backlog: { frame: string; seq: number | null }[] | null;
  /** Upgrades admitted to the room and not yet accepted or given up: the room stays while there are any. */
  arriving: number;
  /** Subscribed to the room's frames, and the broker opened on it; resolves to the unsubscribe. */
  subscribed: Promise<() => Promise<void>>;
  /**
   * The room as the last socket accepted here was admitted to it. The store hands each upgrade a copy of
   * its own: participants admitted at the same revision share this one instead of each keeping theirs.
   */
  room: StoredRoom | null;
}

/** One options object for every broadcast send: the frame is text, sent as the Buffer it was encoded to once. */
const TEXT = { binary: false } as const;
/** How long a shutdown waits for departures to be announced before it closes the sockets anyway. */
const FAREWELL_MS = 2000;
/** Every connection's queue starts from this one settled promise rather than a promise of its own. */
const SETTLED: Promise<void> = Promise.resolve();

/**
 * An upgrading socket's error (the peer reset it mid-handshake) destroys it and goes no further. One
 * function for every socket: a closure would keep the upgrade's whole scope alive with the socket.
 */
function destroyOnError(this: Duplex): void {
  this.destroy();
}

/**
 * The WebSocket side of chat: admission at the upgrade, one queue of frames per socket, frames checked
 * against asyncapi.yaml's payload schemas, broadcasts delivered with a cap on unsent bytes, pings, and
 * sockets closed when their room is deleted or their token revoked (on any instance). The rules
 * themselves are ChatService's.
 */
export class ChatSessions {
  private readonly wss: WsServer<typeof ChatSocket>;
  private readonly localRooms = new Map<number, LocalRoom>();
  private readonly selectedProtocols = new WeakMap<IncomingMessage, string>();
  private readonly timers: NodeJS.Timeout[];
  private unsubscribeRoomEvents: (() => Promise<void>) | undefined;
  private readonly closing = new AbortController();
  private connections = 0;
  /**
   * Sockets accepted and not yet closed, which a shutdown waits for. Counted here rather than by ws's
   * client tracking, which would keep every socket in a second set with a close listener of its own:
   * the rooms' `connections` list them already.
   */
  private openSockets = 0;
  private lastSocketClosed: (() => void) | null = null;
  private closed: Promise<void> | undefined;

  constructor(private readonly deps: ChatSessionsDeps) {
    this.wss = new WebSocketServer({
      noServer: true,
      WebSocket: socketClass({
        pong: (connection) => {
          connection.alive = true;
        },
        message: (connection, data, isBinary) => this.frameArrived(connection, data, isBinary),
        error: (connection, err) => this.socketFailed(connection, err),
        close: (connection) => this.socketClosed(connection),
      }),
      clientTracking: false,
      maxPayload: deps.limits.maxFrameBytes,
      handleProtocols: (_offered, req) => this.selectedProtocols.get(req) ?? false,
    });
    this.timers = [
      setInterval(() => this.pingAll(), deps.limits.pingIntervalMs).unref(),
      setInterval(() => this.refreshPresence(), Math.max(250, Math.floor(deps.presenceTtlMs / 4))).unref(),
    ];
    deps.broker.onResume(() => void this.reopenRooms());
  }

  /** Resolves once room changes reach this instance: subscribes, trying again until the bus answers. */
  async start(): Promise<void> {
    for (let delay = 100; !this.closing.signal.aborted; delay = Math.min(delay * 2, 2000)) {
      try {
        this.unsubscribeRoomEvents = await this.deps.roomEvents.subscribe((change) => void this.roomChanged(change));
        return;
      } catch (err) {
        this.deps.logger.warn({ err }, 'cannot subscribe to room changes yet; retrying');
        await sleep(delay, undefined, { signal: this.closing.signal }).catch(() => undefined);
      }
    }
  }

  /**
   * A WebSocket upgrade to the channel path `path` (below the base path): admits the socket or answers
   * like the REST API.
   */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, path: string): Promise<void> {
    socket.on('error', destroyOnError);
    // Shutting down: the client reconnects, to another instance.
    if (this.closing.signal.aborted) return void socket.destroy();
    let leaveRoom: (() => void) | undefined;
    try {
      await this.deps.clientLimits.request(req);
      const room = await this.deps.rooms.resolve(roomIdOf(path));
      const admission = admit(room, req, this.deps.tokens, this.deps.chitchatCompat);
      const local = this.arrive(room.id);
      let settled = false;
      leaveRoom = () => {
        if (settled) return;
        settled = true;
        local.arriving--;
        this.vacate(room.id, local);
      };
      // ws neither accepts nor calls back for a socket that went away or a malformed handshake.
      socket.once('close', leaveRoom);
      await local.subscribed;
      if (admission.protocol) this.selectedProtocols.set(req, admission.protocol);
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        socket.off('close', leaveRoom!);
        // ws listens for the socket's errors from here on, and destroys it on one.
        socket.off('error', destroyOnError);
        settled = true;
        local.arriving--;
        this.accept(ws, room, admission, local);
      });
    } catch (err) {
      leaveRoom?.();
      const { error, unexpected } = failureOf(err);
      if (unexpected) this.deps.logger.error({ err }, 'websocket upgrade failed');
      const headers: Record<string, string> = error instanceof RateLimitedError ? { 'Retry-After': String(error.retryAfterSeconds) } : {};
      if (socket.writable) socket.end(errorResponseText(this.deps.contract, error, headers));
      else socket.destroy();
    }
  }

  /** The room's local state, created (and subscribed) by its first arriving socket. */
  private arrive(roomId: number): LocalRoom {
    let local = this.localRooms.get(roomId);
    if (!local) {
      const connections = new Set<Connection>();
      const subscribed = (async () => {
        const unsubscribe = await this.deps.broker.subscribe(roomId, (frame, seq) => this.receiveFrame(roomId, created, frame, seq));
        try {
          await this.deps.service.openRoom(roomId);
        } catch (err) {
          await unsubscribe().catch(() => undefined);
          throw err;
        }
        return unsubscribe;
      })();
      const created: LocalRoom = { connections, lastSeq: null, backlog: null, arriving: 0, subscribed, room: null };
      // A room that could not be subscribed is forgotten, so that the next upgrade tries again.
      subscribed.catch(() => {
        if (this.localRooms.get(roomId) === created) this.localRooms.delete(roomId);
      });
      this.localRooms.set(roomId, (local = created));
    }
    local.arriving++;
    return local;
  }

  /** Drops the room's local state once nobody is in it or on the way. */
  private vacate(roomId: number, local: LocalRoom): void {
    if (local.connections.size > 0 || local.arriving > 0 || this.localRooms.get(roomId) !== local) return;
    this.localRooms.delete(roomId);
    local.subscribed.then((unsubscribe) => unsubscribe()).catch(() => undefined);
  }

  private accept(ws: ChatSocket, admitted: StoredRoom, admission: Admission, local: LocalRoom): void {
    // The same room at the same revision: an id a store gave again after a delete is not the same room.
    const same = local.room?.revision === admitted.revision && local.room.createdAt === admitted.createdAt;
    const room = same ? local.room! : (local.room = admitted);
    const connection: Connection = {
      ws,
      local,
      participant: {
        id: `${this.deps.instanceId}:${++this.connections}`,
        room,
        tokenUser: admission.claims?.username ?? null,
        name: null,
        color: '',
      },
      admittedHash: room.passwordHash,
      alive: true,
      bucket: null,
      queue: SETTLED,
      pending: 0,
      refusals: 0,
      refusalsSince: 0,
    };
    ws.connection = connection;
    this.openSockets++;
    local.connections.add(connection);
    if (this.closing.signal.aborted) this.kick(connection, 'shuttingDown');
    // A change between admission and now may have been announced before this socket was listed: look again.
    Promise.resolve(room.id).then((id) => this.deps.rooms.find(id)).then(
      (fresh) => this.reconcile(connection, fresh),
      (err: unknown) => this.deps.logger.warn({ err, roomId: room.id }, 'could not re-read a room after an upgrade'),
    );
  }

  private frameArrived(connection: Connection, data: RawData, isBinary: boolean): void {
    const { limits } = this.deps;
    // The rate counts frames as they arrive, however long the store takes with earlier ones. A frame
    // over the rate, or beyond the pending cap, is refused at once: it never waits behind a stalled
    // store, so what one socket can make the server hold is bounded.
    connection.bucket ??= new TokenBucket(limits.ratePerSecond, limits.rateBurst);
    if (!connection.bucket.take() || connection.pending >= limits.maxPendingFrames) return this.refuse(connection, new ApiError(605));
    connection.pending++;
    connection.queue = connection.queue.then(() => this.receive(connection, data, isBinary)).finally(() => connection.pending--);
  }

  private socketFailed(connection: Connection, err: Error): void {
    // ws closes the socket itself after an error (1009 for an oversized frame, 1007 for invalid UTF-8):
    // the peer's fault, logged as one line without a stack.
    const { code, message } = err as { code?: string; message: string };
    if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return;
    this.deps.logger.info({ code, reason: message, connection: connection.participant.id }, 'invalid websocket frame; socket closed');
  }

  private socketClosed(connection: Connection): void {
    connection.queue = connection.queue.then(() => this.disconnected(connection));
    if (--this.openSockets === 0) this.lastSocketClosed?.();
  }

  /**
   * A frame from the broker for this room. Numbered messages arrive in order; one that skips numbers
   * follows a gap (this instance was cut from Redis a moment, or a number was skipped): what the store
   * has in between is delivered first. A number delivered already is not delivered again.
   */
  private receiveFrame(roomId: number, local: LocalRoom, frame: string, seq: number | null): void {
    if (local.backlog) {
      local.backlog.push({ frame, seq });
      return;
    }
    if (seq !== null) {
      if (local.lastSeq !== null && seq <= local.lastSeq) return;
      if (local.lastSeq !== null && seq > local.lastSeq + 1) return this.fillGap(roomId, local, local.lastSeq, { frame, seq });
      local.lastSeq = seq;
    }
    this.deliver(local.connections, frame);
  }

  private fillGap(roomId: number, local: LocalRoom, after: number, next: { frame: string; seq: number }): void {
    local.backlog = [next];
    this.deps.service
      .storedBetween(roomId, after, next.seq)
      .then(
        (missed) => {
          for (const { frame, seq } of missed) {
            this.deliver(local.connections, frame);
            local.lastSeq = seq;
          }
        },
        (err: unknown) => this.deps.logger.warn({ err, roomId }, 'could not fill a gap in a room\'s messages from the store'),
      )
      .finally(() => {
        // Whatever the store had is delivered; numbers it lacks were skipped, and are not waited for.
        local.lastSeq = Math.max(local.lastSeq ?? after, next.seq - 1);
        const backlog = local.backlog ?? [];
        local.backlog = null;
        for (const { frame, seq } of backlog) this.receiveFrame(roomId, local, frame, seq);
      });
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

  private async receive(connection: Connection, data: RawData, isBinary: boolean): Promise<void> {
    if (connection.ws.readyState !== WebSocket.OPEN) return; // closing: a kicked socket says nothing more
    try {
      await this.deps.service.handle(connection.participant, this.parse(data, isBinary));
    } catch (err) {
      // A bug or a failing store must not take the process (and every other room) down with it.
      const { error, unexpected } = failureOf(err);
      if (unexpected) this.deps.logger.error({ err }, 'failed to handle a chat frame');
      else if (error.code === 701) this.deps.logger.warn({ err }, 'a chat frame met an unavailable store');
      this.refuse(connection, error);
    }
  }

  /** A client frame as asyncapi.yaml defines it, or ApiError(303) naming what is wrong. */
  private parse(data: RawData, isBinary: boolean): ClientEvent {
    if (isBinary) throw new ApiError(303);
    let frame: unknown;
    try {
      frame = JSON.parse(data.toString());
    } catch {
      throw new ApiError(303);
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) throw new ApiError(303);
    const eventType = (frame as { event_type?: unknown }).event_type;
    const validate = typeof eventType === 'string' ? this.deps.chat.clientFrames.get(eventType) : undefined;
    if (!validate) throw new ApiError(303, 'event_type');
    if (!validate(frame)) {
      const error = firstError(validate.errors ?? []);
      throw new ApiError(303, error && fieldOf(error, 0));
    }
    return frame as ClientEvent;
  }

  private async disconnected(connection: Connection): Promise<void> {
    const { local } = connection;
    try {
      await this.deps.service.disconnect(connection.participant);
    } catch (err) {
      // Its lease runs out instead, and whoever reaps it announces the departure.
      this.deps.logger.warn({ err }, 'could not announce a departure');
    }
    local.connections.delete(connection);
    this.vacate(connection.participant.room.id, local);
  }

  /**
   * Refusals of the peer's own doing (not the store's: 701, 702) count towards a flood: past
   * `floodRefusals` of them within `floodWindowMs`, the socket is closed.
   */
  private flooding(connection: Connection, error: ApiError): boolean {
    if (error.code === 701 || error.code === 702) return false;
    const { floodRefusals, floodWindowMs } = this.deps.limits;
    const now = performance.now();
    if (now - connection.refusalsSince > floodWindowMs) {
      connection.refusalsSince = now;
      connection.refusals = 0;
    }
    return ++connection.refusals > floodRefusals;
  }

  private refuse(connection: Connection, error: ApiError): void {
    if (connection.ws.readyState !== WebSocket.OPEN) return;
    if (this.flooding(connection, error)) return this.kick(connection, 'flooding');
    const { body } = errorBody(this.deps.contract, error);
    const event: ErrorEvent = { event_type: 'error', error: body.error, time: new Date().toISOString(), room_id: connection.participant.room.id };
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

  /** Off the hot path: every quarter lease, this instance's entries are extended and expired ones announced. */
  private refreshPresence(): void {
    for (const [roomId, local] of this.localRooms) {
      const connections = [...local.connections];
      this.deps.service.refresh(roomId, connections.map((c) => c.participant)).then(
        (lost) => {
          // Their name went to someone else while presence was away: they have to join again.
          for (const connection of connections) if (lost.includes(connection.participant)) this.refuse(connection, new ApiError(202, 'name'));
        },
        (err: unknown) => this.deps.logger.warn({ err, roomId }, 'could not refresh presence'),
      );
    }
  }

  /** A room changed somewhere (or changes may have been missed: null): the sockets here follow. */
  private async roomChanged(change: RoomChange | null): Promise<void> {
    const roomIds = change ? [change.roomId] : [...this.localRooms.keys()];
    for (const roomId of roomIds) {
      const local = this.localRooms.get(roomId);
      if (!local?.connections.size) continue;
      try {
        const fresh = change?.revision === null ? null : await this.deps.rooms.find(roomId);
        for (const connection of local.connections) this.reconcile(connection, fresh);
      } catch (err) {
        this.deps.logger.warn({ err, roomId }, 'could not re-read a changed room');
      }
    }
  }

  /** The socket under the room as stored now: closed if the room is gone or its token no longer admits it. */
  private reconcile(connection: Connection, fresh: StoredRoom | null): void {
    if (!fresh) {
      // Nobody is left to tell, and presence must not be refreshed back into a room that is gone.
      connection.participant.name = null;
      return this.kick(connection, 'roomDeleted');
    }
    const { participant } = connection;
    if (fresh.revision <= participant.room.revision) return;
    participant.room = fresh;
    if (!stillAdmits(fresh, participant.tokenUser, connection.admittedHash)) this.kick(connection, 'tokenRevoked');
  }

  /**
   * The shared bus is back, and may have lost its data: each room here gives the broker its position
   * again (kept if it has one), from the last message delivered here. Tried until it takes: without a
   * position the room's messages are held.
   */
  private async reopenRooms(): Promise<void> {
    const pending = new Set(this.localRooms.keys());
    for (let delay = 100; pending.size && !this.closing.signal.aborted; delay = Math.min(delay * 2, 2000)) {
      for (const roomId of pending) {
        const local = this.localRooms.get(roomId);
        try {
          if (local) await this.deps.service.openRoom(roomId, local.lastSeq);
          pending.delete(roomId);
        } catch (err) {
          this.deps.logger.warn({ err, roomId }, 'could not reopen a room yet; retrying');
        }
      }
      if (pending.size) await sleep(delay, undefined, { signal: this.closing.signal }).catch(() => undefined);
    }
  }

  /**
   * Every participant here leaves (announced, and gone from presence at once), then every socket is
   * closed with 1001. A store that does not answer delays this by FAREWELL_MS at most. Every call, however
   * many come at once (a signal, then another), waits for the one shutdown.
   */
  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  private async shutDown(): Promise<void> {
    this.closing.abort();
    for (const timer of this.timers) clearInterval(timer);
    const everyone = [...this.localRooms.values()].flatMap((local) => [...local.connections]);
    const farewells = everyone.map((connection) => (connection.queue = connection.queue.then(() => this.deps.service.disconnect(connection.participant))));
    await Promise.race([Promise.allSettled(farewells), new Promise((resolve) => setTimeout(resolve, FAREWELL_MS).unref())]);
    // Every socket, those accepted meanwhile too (accept kicks any later one); then wait for all to close.
    for (const local of this.localRooms.values()) for (const connection of local.connections) this.kick(connection, 'shuttingDown');
    this.wss.close(); // upgrades still under way are answered 503
    if (this.openSockets > 0) await new Promise<void>((resolve) => (this.lastSocketClosed = resolve));
    await this.deps.service.close();
    await this.unsubscribeRoomEvents?.().catch(() => undefined);
  }
}
