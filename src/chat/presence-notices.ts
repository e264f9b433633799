import type { JoinedEvent, LeftEvent, PresenceChange, PresenceEvent } from '../../generated/asyncapi.js';
import type { Logger } from '../logger.js';

interface Window {
  /** Arrivals and departures since the window opened, in order, announced together when it ends. */
  pending: PresenceChange[];
  timer: NodeJS.Timeout;
}

/** The one event of one change, as it is told when it comes alone. */
function single(roomId: number, { event_type, name, color }: PresenceChange, time: string): JoinedEvent | LeftEvent {
  return event_type === 'join'
    ? { event_type, name, color, msg: `${name} entered the room.`, time, room_id: roomId }
    : { event_type, name, color, msg: `${name} has left the room.`, time, room_id: roomId };
}

function summary(changes: PresenceChange[]): string {
  const entered = changes.filter((c) => c.event_type === 'join').length;
  const left = changes.length - entered;
  return [entered ? `${entered} entered the room` : '', left ? `${left} left` : ''].filter(Boolean).join(', ') + '.';
}

/**
 * Tells a room of arrivals and departures without costing N² frames when N people come at once. The first
 * change after a quiet moment goes out at once, as its own `join` or `leave`, and opens a window of
 * `windowMs`; the changes within it go out together when it ends, in one `presence` frame (or as their own
 * event if there is only one), and open the next window. A room of N that sees N arrivals in a storm so
 * receives about N / (arrivals per window) frames each, not N. Windows are per instance and room.
 */
export class PresenceNotices {
  private readonly windows = new Map<number, Window>();
  /** Once closing, every change is told at once: no window would end. */
  private closed = false;

  constructor(
    private readonly windowMs: number,
    private readonly publish: (roomId: number, frame: string) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  /** True when the change was announced now; false when it waits for the end of the room's window. */
  async announce(roomId: number, change: PresenceChange, time: string): Promise<boolean> {
    const open = this.windows.get(roomId);
    if (open) {
      open.pending.push(change);
      return false;
    }
    if (this.windowMs > 0 && !this.closed) this.windows.set(roomId, { pending: [], timer: this.endOfWindow(roomId) });
    await this.publish(roomId, JSON.stringify(single(roomId, change, time)));
    return true;
  }

  private endOfWindow(roomId: number): NodeJS.Timeout {
    const timer = setTimeout(() => void this.flush(roomId), this.windowMs);
    timer.unref();
    return timer;
  }

  /** Announces what the window gathered, and keeps the room in a window while changes keep coming. */
  private async flush(roomId: number): Promise<void> {
    const window = this.windows.get(roomId);
    if (!window) return;
    const changes = window.pending.splice(0);
    if (!changes.length) {
      this.windows.delete(roomId);
      return;
    }
    window.timer = this.endOfWindow(roomId);
    const time = new Date().toISOString();
    const frame =
      changes.length === 1
        ? single(roomId, changes[0]!, time)
        : ({ event_type: 'presence', changes: changes as PresenceEvent['changes'], msg: summary(changes), time, room_id: roomId } satisfies PresenceEvent);
    try {
      await this.publish(roomId, JSON.stringify(frame));
    } catch (err) {
      // The presence entries are stored: the room's user list (getRoom) has them, only the notice is lost.
      this.logger.warn({ err, roomId, changes: changes.length }, 'could not announce arrivals and departures');
    }
  }

  /** Announces what every window holds now, and stops. */
  async close(): Promise<void> {
    this.closed = true;
    const rooms = [...this.windows.keys()];
    for (const window of this.windows.values()) clearTimeout(window.timer);
    await Promise.all(rooms.map((roomId) => this.flush(roomId)));
    for (const window of this.windows.values()) clearTimeout(window.timer);
    this.windows.clear();
  }
}
