import { ChatConnection, ChitChatError, unwrap, type components, type Room, type ServerEventOf } from '@chitchat/client';
import { closeCodes, isNonPublicVisibility } from 'virtual:chitchat-contract';
import { api, apiBase, problemOf, type Problem } from '../api.js';

/** One arrival or departure, alone (`join`, `leave`) or among others (`presence`). */
type PresenceChange = ServerEventOf<'presence'>['changes'][number];

export type ChatMessage = components['schemas']['ChatMessage'];
export type RoomUser = components['schemas']['RoomUser'];

export type SessionState = 'connecting' | 'live' | 'reconnecting';
export type SessionEnd = 'deleted' | 'revoked' | 'left';

/** What a session tells the view. Messages arrive once each; the view puts them in `seq` order. */
export interface SessionListener {
  messages(messages: ChatMessage[]): void;
  older(messages: ChatMessage[], more: boolean): void;
  arrival(name: string, colour: string, time: string): void;
  departure(name: string, colour: string, time: string): void;
  users(users: RoomUser[]): void;
  state(state: SessionState, retryInMs?: number): void;
  /** The server refused one of our frames. */
  refused(problem: Problem): void;
  ended(why: SessionEnd): void;
}

const HISTORY_PAGE = 50;
const MAX_BACKOFF_MS = 15_000;
/** A name still held by our previous connection (the server has not noticed the drop yet) is tried again this often. */
const REJOIN_RETRY_MS = 2000;
const REJOIN_ATTEMPTS = 20;
/** How long a join waits for the room to tell of it (a storm holds notices back 100 ms) before it counts as done. */
const ARRIVAL_NOTICE_MS = 3000;

/**
 * One person in one room: history on entry and on scrolling back, live messages, who is here, the token
 * renewed before it expires, and reconnection with backoff after a drop, after which the messages missed
 * meanwhile are fetched from the history by `seq`, so that none is missing or shown twice.
 */
export class RoomSession {
  private connection: ChatConnection | undefined;
  private readonly seen = new Set<number>();
  private lastSeq = 0;
  private olderCursor: string | null = null;
  private users = new Map<string, RoomUser>();
  private attempt = 0;
  private stopped = false;
  private timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    readonly room: Room,
    readonly name: string,
    readonly colour: string,
    private readonly listener: SessionListener,
  ) {}

  /** Loads the latest history and joins; rejects with the server's refusal of the join (a name taken, say). */
  async start(): Promise<void> {
    await this.loadLatest();
    await this.connect(true);
    this.scheduleRenewal();
  }

  send(text: string): void {
    this.connection?.send(text, this.colour);
  }

  get canLoadOlder(): boolean {
    return this.olderCursor !== null;
  }

  async loadOlder(): Promise<void> {
    if (this.olderCursor === null) return;
    const page = await this.history(this.olderCursor);
    this.olderCursor = page.next_cursor;
    const fresh = page.messages.filter((m) => !this.seen.has(m.seq)).reverse();
    for (const m of fresh) this.seen.add(m.seq);
    this.listener.older(fresh, this.olderCursor !== null);
  }

  /** Leaves the room for good: the others are told, and nothing reconnects. */
  async leave(): Promise<void> {
    this.stop();
    const connection = this.connection;
    if (!connection) return;
    try {
      connection.leave();
    } catch {
      // not joined: nothing to announce
    }
    await connection.close(1000, 'left');
  }

  /** Stops without a word (the page goes elsewhere); the server announces the departure when the socket closes. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.connection) void this.connection.close(1000, 'left');
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  private history(cursor?: string) {
    return api
      .GET('/chats/{roomId}/messages', { params: { path: { roomId: String(this.room.id) }, query: { limit: HISTORY_PAGE, ...(cursor ? { cursor } : {}) } } })
      .then(unwrap);
  }

  private async loadLatest(): Promise<void> {
    const page = await this.history();
    this.olderCursor = page.next_cursor;
    this.accept(page.messages);
  }

  /** Messages from anywhere (history, live, a gap filled): each once, whatever order they come in. */
  private accept(messages: ChatMessage[]): void {
    const fresh = messages.filter((m) => !this.seen.has(m.seq)).sort((a, b) => a.seq - b.seq);
    if (!fresh.length) return;
    for (const m of fresh) {
      this.seen.add(m.seq);
      this.lastSeq = Math.max(this.lastSeq, m.seq);
    }
    this.listener.messages(fresh);
  }

  /**
   * The messages after `since` (the last one seen before the drop), from the history, newest page first
   * until it reaches it. Messages that arrived live meanwhile are not shown twice (`seen`), and those
   * found here are put in their place among them.
   */
  private async fillGap(since: number): Promise<void> {
    const missed: ChatMessage[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await this.history(cursor);
      missed.push(...page.messages.filter((m) => m.seq > since));
      const oldest = page.messages.at(-1);
      if (!page.next_cursor || !oldest || oldest.seq <= since + 1) break;
      cursor = page.next_cursor;
    }
    this.accept(missed);
  }

  private presence(changes: PresenceChange[], time: string): void {
    for (const { event_type, name, color } of changes) {
      if (event_type === 'join') this.users.set(name.toLowerCase(), { username: name, color, last_activity: time });
      else this.users.delete(name.toLowerCase());
    }
    this.listener.users([...this.users.values()]);
    for (const { event_type, name, color } of changes) {
      if (event_type === 'join') this.listener.arrival(name, color, time);
      else this.listener.departure(name, color, time);
    }
  }

  private async refreshUsers(): Promise<void> {
    const room = unwrap(await api.GET('/chats/{roomId}', { params: { path: { roomId: String(this.room.id) } } }));
    this.users = new Map(room.users.map((u) => [u.username.toLowerCase(), u]));
    this.listener.users([...this.users.values()]);
  }

  private async connect(first: boolean): Promise<void> {
    // What was seen before the drop: live messages may come in before the gap is filled, and must not hide it.
    const seenBefore = this.lastSeq;
    this.listener.state(first ? 'connecting' : 'reconnecting');
    let connection: ChatConnection;
    try {
      connection = await ChatConnection.connect({ baseUrl: apiBase, room: this.room.id, token: api.tokenFor(this.room.id) });
    } catch {
      throw await this.whyRefused();
    }
    this.connection = connection;
    connection.on('send', (event) => this.accept([saidToMessage(event)]));
    connection.on('join', (event) => this.presence([{ event_type: 'join', name: event.name, color: event.color }], event.time));
    connection.on('leave', (event) => this.presence([{ event_type: 'leave', name: event.name, color: event.color }], event.time));
    // Several arrivals and departures at once (a join storm), in the order they happened.
    connection.on('presence', (event) => this.presence(event.changes, event.time));
    void connection.closed.then(({ code }) => this.closed(connection, code));
    try {
      await this.join(connection, first);
    } catch (err) {
      // Not joined: this connection is being closed, and that is no drop to recover from.
      if (this.connection === connection) this.connection = undefined;
      throw err;
    }
    if (this.stopped || this.connection !== connection) return;
    connection.on('error', (event) => this.listener.refused({ sentence: problemOf(new ChitChatError(0, { status: false, error: event.error })).sentence, code: event.error.code, field: event.error.field }));
    this.attempt = 0;
    this.listener.state('live');
    if (!first) await this.fillGap(seenBefore).catch(() => undefined);
    await this.refreshUsers().catch(() => undefined);
  }

  /**
   * Resolves when the room tells of our arrival: alone (`join`), or with others in a join storm
   * (`presence`); or after a while without a refusal, as the notice itself may be lost on its way.
   */
  private ownArrival(connection: ChatConnection): Promise<void> {
    const ours = (name: string) => name.toLowerCase() === this.name.toLowerCase();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        offJoin();
        offPresence();
        resolve();
      };
      const timer = setTimeout(done, ARRIVAL_NOTICE_MS);
      const offJoin = connection.on('join', (event) => ours(event.name) && done());
      const offPresence = connection.on('presence', (event) => event.changes.some((c) => c.event_type === 'join' && ours(c.name)) && done());
    });
  }

  /** Joins under our name; after a drop the server may still hold it for the connection it lost, for a while. */
  private async join(connection: ChatConnection, first: boolean): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const joined = this.ownArrival(connection);
      const refused = connection.next('error');
      connection.join(this.name, this.colour);
      const outcome = await Promise.race([joined.then(() => null), refused, connection.closed.then(() => null)]).catch(() => null);
      if (outcome === null) return; // joined, or the socket closed (handled by `closed`)
      if (first || outcome.error.code !== 202 || attempt >= REJOIN_ATTEMPTS) {
        await connection.close(1000, 'not joined');
        throw new ChitChatError(400, { status: false, error: outcome.error });
      }
      await new Promise((resolve) => setTimeout(resolve, REJOIN_RETRY_MS));
      if (this.stopped) return;
    }
  }

  /**
   * A refused upgrade says nothing in a browser: the room and the token tell what happened. The room
   * gone: 101. A token the server no longer takes: 401/403 (renewing it is the test). Anything else (the
   * server away, or busy): the error of that, to try again later.
   */
  private async whyRefused(): Promise<unknown> {
    try {
      const room = await api.GET('/chats/{roomId}', { params: { path: { roomId: String(this.room.id) } } }).then(unwrap);
      if (!isNonPublicVisibility({ visibility: room.visibility })) return new Error('the chat socket could not be opened');
      await api.GET('/chats/{roomId}/token/renew', { params: { path: { roomId: String(this.room.id) } } }).then(unwrap);
      return new Error('the chat socket could not be opened');
    } catch (err) {
      return err;
    }
  }

  private closed(connection: ChatConnection, code: number): void {
    if (this.connection !== connection || this.stopped) return;
    if (code === closeCodes.roomDeleted.code) return this.end('deleted');
    if (code === closeCodes.tokenRevoked.code) return this.end('revoked');
    this.lost();
  }

  private end(why: SessionEnd): void {
    this.stop();
    this.listener.ended(why);
  }

  /** The connection dropped (or could not be opened again): try again, waiting longer each time. */
  private lost(): void {
    if (this.stopped) return;
    const wait = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt++) * (0.75 + Math.random() / 2);
    this.listener.state('reconnecting', Math.round(wait));
    this.later(wait, () => {
      this.connect(false).catch((err: unknown) => {
        const problem = problemOf(err);
        // Gone for good, or no longer admitted: nothing to retry.
        if (problem.code === 101) return this.end('deleted');
        if (problem.code === 401 || problem.code === 403) return this.end('revoked');
        this.lost();
      });
    });
  }

  /** Renews the room token when four fifths of its life are gone; public rooms have none. */
  private scheduleRenewal(): void {
    const token = api.tokenFor(this.room.id);
    if (!token) return;
    const { iat, exp } = claimsOf(token);
    const renewAt = (iat + ((exp - iat) * 4) / 5) * 1000;
    this.later(Math.max(1000, renewAt - Date.now()), () => {
      api
        .GET('/chats/{roomId}/token/renew', { params: { path: { roomId: String(this.room.id) } } })
        .then(unwrap)
        .then(
          () => this.scheduleRenewal(),
          (err: unknown) => {
            const { code } = problemOf(err);
            if (code === 401 || code === 403) return this.end('revoked');
            this.later(10_000, () => this.scheduleRenewal());
          },
        );
    });
  }
}

function saidToMessage(event: ServerEventOf<'send'>): ChatMessage {
  const { seq, room_id, name, color, msg, time } = event;
  return { seq, room_id, name, color, msg, time };
}

/** The times of a JWT, read without checking it: the server does that. */
function claimsOf(token: string): { iat: number; exp: number } {
  const payload = token.split('.')[1] ?? '';
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(json) as { iat: number; exp: number };
}
