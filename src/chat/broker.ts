/**
 * Carries each room's broadcast frames to every subscriber on every instance (Centrifuge's Broker).
 * Numbered messages are delivered in their room's `seq` order: `publishMessage` holds a message back
 * until every lower number has been delivered or skipped, so that two instances sending at the same
 * moment cannot be seen out of order anywhere. Frames are serialized once, by the publisher, and every
 * subscriber receives the same string. Adapters: in-process, and Redis (a Lua script per publish).
 */
export interface Broker {
  /** Takes `lastSeq` as the room's last delivered message, unless the broker already knows one. */
  open(roomId: number, lastSeq: number): Promise<void>;
  /** Resolves, once frames will be delivered, to the function that ends the subscription. */
  subscribe(roomId: number, deliver: (frame: string) => void): Promise<() => Promise<void>>;
  /** A frame that is not a numbered message (join, leave), delivered at once. */
  publish(roomId: number, frame: string): Promise<void>;
  /**
   * Message `seq`: delivered now, with any it was holding back, when every lower one is delivered or
   * skipped (true); otherwise held back (false). A seq already delivered or skipped is ignored (true).
   */
  publishMessage(roomId: number, seq: number, frame: string): Promise<boolean>;
  /** `seq` will never be delivered (it was never stored): what waits behind it goes on. */
  skip(roomId: number, seq: number): Promise<void>;
  /** While `seq` is held back: the lower seqs neither delivered nor held (at most `max`); [] once it is delivered. */
  missingBefore(roomId: number, seq: number, max: number): Promise<number[]>;
  /** Told when frames may have been missed (the shared bus was away and is back). */
  onResume(listener: () => void): void;
  close(): Promise<void>;
}
