/**
 * Carries each room's broadcast frames to every subscriber. In-process for one instance; a Redis
 * pub/sub adapter takes its place when several instances share rooms, which is why subscribing
 * resolves only once frames will be delivered. Frames are serialized once, by the publisher, and
 * every subscriber receives the same string.
 */
export interface RoomFanout {
  publish(roomId: number, frame: string): Promise<void>;
  /** Resolves, once subscribed, to the function that ends the subscription. */
  subscribe(roomId: number, deliver: (frame: string) => void): Promise<() => void>;
}

export class InProcessFanout implements RoomFanout {
  private readonly subscribers = new Map<number, Set<(frame: string) => void>>();

  async publish(roomId: number, frame: string): Promise<void> {
    for (const deliver of this.subscribers.get(roomId) ?? []) deliver(frame);
  }

  async subscribe(roomId: number, deliver: (frame: string) => void): Promise<() => void> {
    let set = this.subscribers.get(roomId);
    if (!set) this.subscribers.set(roomId, (set = new Set()));
    const subscribed = set;
    subscribed.add(deliver);
    return () => {
      subscribed.delete(deliver);
      if (subscribed.size === 0 && this.subscribers.get(roomId) === subscribed) this.subscribers.delete(roomId);
    };
  }
}
