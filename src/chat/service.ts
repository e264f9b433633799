import type { ClientEvent, SaidEvent } from '../../generated/asyncapi.js';
import { ApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import { needsToken } from '../rooms/access.js';
import { foldName } from '../rooms/names.js';
import type { Presence, RoomUser } from '../rooms/presence.js';
import type { ChatMessage, MessageStore, StoredRoom } from '../store/store.js';
import type { Broker } from './broker.js';
import { PresenceNotices } from './presence-notices.js';

/** One connection as the chat rules see it; the socket itself stays with the session. */
export interface Participant {
  /** Unique across instances: the owner of its presence entry. */
  readonly id: string;
  room: StoredRoom;
  /** The token's username in private and hidden rooms; null in public rooms. */
  readonly tokenUser: string | null;
  /** The name joined under; null before `join` and after leaving. */
  name: string | null;
  color: string;
}

type EventType = ClientEvent['event_type'];
type Handler<K extends EventType> = (participant: Participant, event: Extract<ClientEvent, { event_type: K }>) => Promise<void>;

export interface ChatServiceDeps {
  messages: MessageStore;
  presence: Presence;
  broker: Broker;
  logger: Logger;
  /** How long a message waits for a lower one before the gap is filled from the store or given up. */
  gapTimeoutMs: number;
  /** Arrivals and departures within this long of one another are announced together (0: each on its own). */
  presenceBatchMs: number;
}

/** How many missing messages one repair looks at; a longer gap takes several rounds. */
const REPAIR_BATCH = 100;
/** A stored message is tried again for this many gap timeouts (10 minutes by default) before it is left to the history. */
const REPAIR_ATTEMPTS = 300;

const now = () => new Date().toISOString();
const saidFrame = (message: ChatMessage) => JSON.stringify({ event_type: 'send', ...message } satisfies SaidEvent);

/**
 * The chat rules, ChitChat's join, send and leave, with no socket in sight: who may join under which
 * name, what is stored and broadcast, and who is told of a departure. Refusals are ApiErrors, which the
 * session sends back to the one connection as `error` events.
 */
export class ChatService {
  /** Every client event of asyncapi.yaml has its handler: a new one fails to compile until it does. */
  private readonly handlers: { [K in EventType]: Handler<K> } = {
    join: (p, e) => this.join(p, e.name, e.color ?? ''),
    send: (p, e) => this.say(p, e.name, e.msg, e.color),
    leave: (p, e) => this.leave(p, e.name),
  };
  private readonly repairs = new Set<NodeJS.Timeout>();
  private readonly notices: PresenceNotices;

  constructor(private readonly deps: ChatServiceDeps) {
    this.notices = new PresenceNotices(deps.presenceBatchMs, (roomId, frame) => deps.broker.publish(roomId, frame), deps.logger);
  }

  handle(participant: Participant, event: ClientEvent): Promise<void> {
    return (this.handlers[event.event_type] as Handler<EventType>)(participant, event as never);
  }

  /**
   * Gives the broker a position in the room unless it has one: the last message this instance delivered
   * there (after Redis lost its data), or else the last one stored (when the room opens here).
   */
  async openRoom(roomId: number, lastDelivered: number | null = null): Promise<void> {
    const [latest] = lastDelivered === null ? await this.deps.messages.listBefore(roomId, undefined, 1) : [];
    await this.deps.broker.open(roomId, lastDelivered ?? latest?.seq ?? 0);
  }

  /**
   * The joiner hears of its own arrival as the room does: at once after a quiet moment, else at the end of
   * the room's window, alone (`join`) or with others (`presence`).
   */
  private async join(participant: Participant, joinedAs: string, color: string): Promise<void> {
    if (participant.name !== null) throw new ApiError(301, 'event_type');
    const { room } = participant;
    if (needsToken(room) && (participant.tokenUser === null || foldName(participant.tokenUser) !== foldName(joinedAs))) {
      throw new ApiError(204, 'name');
    }
    // With a token, the room sees the name the token was issued for, not another that folds like it
    // ("ＡＬＩＣＥ" for "alice"): what is shown is what the password holder chose.
    const name = participant.tokenUser ?? joinedAs;
    const at = now();
    const { joined, departed } = await this.deps.presence.join(room.id, participant.id, { username: name, color, last_activity: at });
    try {
      await this.announceDepartures(room.id, departed);
      if (!joined) throw new ApiError(202, 'name');
      await this.announceArrival(room.id, name, color, at);
    } catch (err) {
      // Nobody was told of this join: it did not happen, and the client may try it again.
      if (joined) await this.deps.presence.leave(room.id, participant.id).catch(() => undefined);
      throw err;
    }
    participant.name = name;
    participant.color = color;
  }

  private async say(participant: Participant, name: string, msg: string, color: string | undefined): Promise<void> {
    const joined = this.requireJoinedAs(participant, name);
    const at = now();
    const roomId = participant.room.id;
    // First, as it needs the shared engines too: while they are away the message is refused before it is stored.
    await this.deps.presence.touch(roomId, participant.id, at);
    // Stored before it is broadcast: what the room saw is in its history, with the seq it was shown with.
    const stored = await this.deps.messages.append({ room_id: roomId, name: joined, color: color ?? participant.color, msg, time: at });
    await this.deliver(stored);
  }

  private async leave(participant: Participant, name: string): Promise<void> {
    this.requireJoinedAs(participant, name);
    await this.depart(participant);
  }

  private requireJoinedAs(participant: Participant, name: string): string {
    if (participant.name === null) throw new ApiError(201, 'name');
    if (foldName(name) !== foldName(participant.name)) throw new ApiError(204, 'name');
    return participant.name;
  }

  /** The connection is gone: its user leaves the room, announced once. */
  disconnect(participant: Participant): Promise<void> {
    return this.depart(participant);
  }

  /**
   * Removes the participant's presence and tells the room, once, whether by `leave`, by disconnecting or
   * by expiry: whoever removes the entry announces it.
   */
  private async depart(participant: Participant): Promise<void> {
    if (participant.name === null) return;
    participant.name = null;
    const user = await this.deps.presence.leave(participant.room.id, participant.id);
    if (user) await this.announceDepartures(participant.room.id, [user]);
  }

  /**
   * Extends the leases of this instance's participants in a room; entries that expired (another instance
   * died) are announced as departures, and entries put back (Redis lost them) as arrivals. Returns the
   * participants whose name another connection took meanwhile: they are no longer joined.
   */
  async refresh(roomId: number, participants: Participant[]): Promise<Participant[]> {
    const at = now();
    const joined = participants.filter((p) => p.name !== null);
    const present = joined.map((p) => ({ connectionId: p.id, user: { username: p.name!, color: p.color, last_activity: at } }));
    const { departed, restored, refused } = await this.deps.presence.refresh(roomId, present);
    await this.announceDepartures(roomId, departed);
    for (const { username, color } of restored) await this.announceArrival(roomId, username, color, at);
    const lost = joined.filter((p) => refused.includes(p.id));
    for (const participant of lost) participant.name = null;
    return lost;
  }

  private async announceArrival(roomId: number, name: string, color: string, at: string): Promise<void> {
    await this.notices.announce(roomId, { event_type: 'join', name, color }, at);
  }

  private async announceDepartures(roomId: number, users: RoomUser[]): Promise<void> {
    for (const { username, color } of users) await this.notices.announce(roomId, { event_type: 'leave', name: username, color }, now());
  }

  /**
   * Hands a stored message to the broker in seq order. One that has to wait, or that the broker could not
   * take (Redis away), is looked at again after the gap timeout, until it is published: it is stored, so
   * the sender is not told of a failure, and sending it again would only store it twice.
   */
  private async deliver(message: ChatMessage): Promise<void> {
    const frame = saidFrame(message);
    try {
      if (await this.deps.broker.publishMessage(message.room_id, message.seq, frame)) return;
    } catch (err) {
      this.deps.logger.warn({ err, roomId: message.room_id, seq: message.seq }, 'a stored message waits for the broker');
    }
    this.repairLater(message.room_id, message.seq, frame, 1);
  }

  private repairLater(roomId: number, seq: number, frame: string, attempt: number): void {
    if (attempt > REPAIR_ATTEMPTS) {
      this.deps.logger.error({ roomId, seq }, 'gave up publishing a stored message; it stays in the history');
      return;
    }
    const timer = setTimeout(() => {
      this.repairs.delete(timer);
      this.repair(roomId, seq, frame).then(
        (published) => published || this.repairLater(roomId, seq, frame, attempt + 1),
        (err: unknown) => {
          this.deps.logger.warn({ err, roomId, seq }, 'could not fill a gap before a message');
          this.repairLater(roomId, seq, frame, attempt + 1);
        },
      );
    }, this.deps.gapTimeoutMs);
    timer.unref();
    this.repairs.add(timer);
  }

  /**
   * `seq` still waits: the lower numbers it waits for were taken by senders that died between storing and
   * publishing, or that failed to store; or the broker was away. A lower number whose message is stored
   * is published from the store, in its place; one that is not is claimed as a gap, never to be stored,
   * and skipped. Then `seq` itself is published again. True once it is published.
   */
  private async repair(roomId: number, seq: number, frame: string): Promise<boolean> {
    for (const lost of await this.deps.broker.missingBefore(roomId, seq, REPAIR_BATCH)) {
      const found = await this.deps.messages.claimGap(roomId, lost);
      if (found) await this.deps.broker.publishMessage(roomId, lost, saidFrame(found));
      else await this.deps.broker.skip(roomId, lost);
    }
    return this.deps.broker.publishMessage(roomId, seq, frame);
  }

  /** The stored messages with `after` < seq < `before`, oldest first, as frames (at most REPAIR_BATCH, the newest). */
  async storedBetween(roomId: number, after: number, before: number): Promise<{ frame: string; seq: number }[]> {
    const page = await this.deps.messages.listBefore(roomId, before, Math.min(before - after - 1, REPAIR_BATCH));
    return page
      .filter((m) => m.seq > after)
      .reverse()
      .map((m) => ({ frame: saidFrame(m), seq: m.seq }));
  }

  /** Stops repairing, and announces the arrivals and departures still waiting for their window. */
  async close(): Promise<void> {
    for (const timer of this.repairs) clearTimeout(timer);
    this.repairs.clear();
    await this.notices.close();
  }
}
