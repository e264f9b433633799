import type { MaybeAsync } from '../maybe-async.js';
import type { ChatMessage, MessageStore, NewMessage } from './store.js';

/** The embedded history: the last `perRoom` messages of each room, in this process only; answered at once, as MemoryRoomStore is. */
export class MemoryMessageStore implements MessageStore {
  private readonly rooms = new Map<number, { lastSeq: number; messages: ChatMessage[]; gaps: Set<number> }>();

  constructor(private readonly perRoom = 1000) {}

  append(message: NewMessage): MaybeAsync<ChatMessage> {
    let room = this.rooms.get(message.room_id);
    if (!room) this.rooms.set(message.room_id, (room = { lastSeq: 0, messages: [], gaps: new Set() }));
    let seq = ++room.lastSeq;
    while (room.gaps.delete(seq)) seq = ++room.lastSeq;
    // Not `{ ...message, seq }`: see MemoryRoomStore.create.
    const stored: ChatMessage = { room_id: message.room_id, name: message.name, color: message.color, msg: message.msg, time: message.time, seq };
    room.messages.push(stored);
    if (room.messages.length > this.perRoom) room.messages.splice(0, room.messages.length - this.perRoom);
    return { ...stored };
  }

  listBefore(roomId: number, beforeSeq: number | undefined, limit: number): MaybeAsync<ChatMessage[]> {
    const messages = this.rooms.get(roomId)?.messages ?? [];
    const page: ChatMessage[] = [];
    for (let i = messages.length - 1; i >= 0 && page.length < limit; i--) {
      const message = messages[i]!;
      if (beforeSeq === undefined || message.seq < beforeSeq) page.push({ ...message });
    }
    return page;
  }

  claimGap(roomId: number, seq: number): MaybeAsync<ChatMessage | null> {
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = { lastSeq: 0, messages: [], gaps: new Set() }));
    const found = room.messages.find((m) => m.seq === seq);
    if (found) return { ...found };
    if (seq > room.lastSeq) room.gaps.add(seq);
    return null;
  }

  deleteRoom(roomId: number): MaybeAsync<void> {
    this.rooms.delete(roomId);
  }
}
