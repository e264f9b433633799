/** Receives a room's frames; `seq` is the message number of a numbered message, null for other frames. */
export type Deliver = (frame: string, seq: number | null) => void;

/**
 * Carries each room's broadcast frames to every subscriber on every instance (Centrifuge's Broker).
 * Numbered messages are published in their room's `seq` order: `publishMessage` holds a message back
 * until every lower number has been published or skipped, so that two instances sending at the same
 * moment cannot be seen out of order anywhere. A room's position is set by `open` (from the store) and
 * never guessed: without one, messages are held until it is set. Frames are serialized once, by the
 * publisher, and every subscriber receives the same string. Adapters: in-process, and Redis (a Lua
 * script per publish).
 */
export interface Broker {
  /** Takes `lastSeq` as the room's last published message, unless the broker already has a position for it. */
  open(roomId: number, lastSeq: number): Promise<void>;
  /** Resolves, once frames will be delivered, to the function that ends the subscription. */
  subscribe(roomId: number, deliver: Deliver): Promise<() => Promise<void>>;
  /** A frame that is not a numbered message (join, leave), delivered at once. */
  publish(roomId: number, frame: string): Promise<void>;
  /**
   * Message `seq`: delivered now, with any it was holding back, when every lower one is delivered or
   * skipped (true); otherwise held back (false). A seq already delivered or skipped is ignored (true).
   */
  publishMessage(roomId: number, seq: number, frame: string): Promise<boolean>;
  /** `seq` will never be delivered (it was never stored): what waits behind it goes on. */
  skip(roomId: number, seq: number): Promise<void>;
  /** The lower seqs neither published nor held while `seq` waits (at most `max`); [] once it is published, or without a position. */
  missingBefore(roomId: number, seq: number, max: number): Promise<number[]>;
  /** Told when the shared bus was away and is back: frames may have been missed, and positions lost. */
  onResume(listener: () => void): void;
  close(): Promise<void>;
}
