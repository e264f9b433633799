/**
 * Every key and channel the server uses in Redis, under the configured prefix. A room's keys share the
 * hash tag {r:<id>}, so that its scripts touch one slot on a Redis Cluster too.
 */
export function roomKeys(prefix: string, roomId: number) {
  const room = `${prefix}{r:${roomId}}`;
  return {
    /** The last message delivered or skipped. */
    lastSeq: `${room}:last-seq`,
    /** Messages held back for a lower seq: seq → frame ('' for a skipped one). */
    held: `${room}:held`,
    frames: `${room}:frames`,
    /** connection id → presence entry (JSON: username, color, last_activity, key). */
    users: `${room}:users`,
    /** folded name → connection id: the name claims. */
    names: `${room}:names`,
    /** connection id, scored by when its lease runs out (ms). */
    leases: `${room}:leases`,
    /** connection id → last_activity, written on every message without rewriting the entry. */
    activity: `${room}:activity`,
  };
}

export const roomEventsChannel = (prefix: string) => `${prefix}room-events`;
export const rateLimitPrefix = (prefix: string, name: string) => `${prefix}rl:${name}`;
