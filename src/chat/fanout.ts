/**
 * Carries each room's broadcast frames to every subscriber. In-process for one instance; a Redis
 * pub/sub adapter takes its place when several instances share rooms. Frames are serialized once,
 * by the publisher, and every subscriber receives the same string.
 */
export interface RoomFanout {
  publish(roomId: number, frame: string): void;
  /** Returns the function that ends the subscription. */
  subscribe(roomId: number, deliver: (frame: string) => void): () => void;
}

export class InProcessFanout implements RoomFanout {
  private readonly subscribers = new Map<number, Set<(frame: string) => void>>();

  publish(roomId: number, frame: string): void {
    for (const deliver of this.subscribers.get(roomId) ?? []) deliver(frame);
  }

  subscribe(roomId: number, deliver: (frame: string) => void): () => void {
    let set = this.subscribers.get(roomId);
    if (!set) this.subscribers.set(roomId, (set = new Set()));
    set.add(deliver);
    return () => {
      set.delete(deliver);
      if (set.size === 0) this.subscribers.delete(roomId);
    };
  }
}
