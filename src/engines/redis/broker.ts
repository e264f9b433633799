import type { Broker, Deliver } from '../../chat/broker.js';
import type { RedisConnection, Script } from './connection.js';
import { roomKeys } from './keys.js';

/**
 * The ordering step, atomic in Redis: publish message `seq` if it is the next one, then every held one
 * that follows; otherwise hold it. KEYS: last-seq, held. ARGV: channel, seq, frame ('' = skip), ttl ms.
 * Without a last-seq (Redis lost its data) the message is held until `open` sets one: guessing would
 * drop a lower message still on its way. Each published frame is prefixed with its seq and a newline.
 */
const PUBLISH_MESSAGE = `
local seq = tonumber(ARGV[2])
local last = tonumber(redis.call('GET', KEYS[1]))
if last and seq <= last then return 1 end
if not last or seq > last + 1 then
  redis.call('HSET', KEYS[2], seq, ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
  return 0
end
local frame = ARGV[3]
while frame do
  if frame ~= '' then redis.call('PUBLISH', ARGV[1], seq .. '\\n' .. frame) end
  redis.call('HDEL', KEYS[2], seq)
  last = seq
  seq = seq + 1
  frame = redis.call('HGET', KEYS[2], seq)
end
redis.call('SET', KEYS[1], last, 'PX', ARGV[4])
return 1
`;

/** KEYS: last-seq, held. ARGV: seq, max. The seqs below ARGV[1] neither published nor held. */
const MISSING_BEFORE = `
local seq = tonumber(ARGV[1])
local last = tonumber(redis.call('GET', KEYS[1]) or seq)
local missing = {}
local s = last + 1
while s < seq and #missing < tonumber(ARGV[2]) do
  if redis.call('HEXISTS', KEYS[2], s) == 0 then missing[#missing + 1] = s end
  s = s + 1
end
return missing
`;

/** A channel message: the seq of a numbered message (empty for other frames), a newline, the frame. */
function decode(message: string): { frame: string; seq: number | null } {
  const at = message.indexOf('\n');
  return { frame: message.slice(at + 1), seq: at > 0 ? Number(message.slice(0, at)) : null };
}

/**
 * The broker across instances: one Redis channel per room, and the ordering step above per message.
 * A room's position expires after `ttlMs` without a message; Redis must not evict keys otherwise
 * (maxmemory-policy noeviction), as a lost position holds the room's messages until it is set again.
 */
export class RedisBroker implements Broker {
  private readonly publishScript: Script;
  private readonly missingScript: Script;

  constructor(
    private readonly redis: RedisConnection,
    private readonly ttlMs = 30 * 24 * 3600 * 1000,
  ) {
    this.publishScript = redis.script('chitchatPublishMessage', 2, PUBLISH_MESSAGE);
    this.missingScript = redis.script('chitchatMissingBefore', 2, MISSING_BEFORE);
  }

  private keys(roomId: number) {
    return roomKeys(this.redis.prefix, roomId);
  }

  async open(roomId: number, lastSeq: number): Promise<void> {
    await this.redis.guard(() => this.redis.command.set(this.keys(roomId).lastSeq, lastSeq, 'PX', this.ttlMs, 'NX'));
  }

  subscribe(roomId: number, deliver: Deliver): Promise<() => Promise<void>> {
    return this.redis.subscribe(this.keys(roomId).frames, (message) => {
      const { frame, seq } = decode(message);
      deliver(frame, seq);
    });
  }

  async publish(roomId: number, frame: string): Promise<void> {
    await this.redis.guard(() => this.redis.command.publish(this.keys(roomId).frames, `\n${frame}`));
  }

  async publishMessage(roomId: number, seq: number, frame: string): Promise<boolean> {
    const keys = this.keys(roomId);
    return (await this.publishScript([keys.lastSeq, keys.held], [keys.frames, seq, frame, this.ttlMs])) === 1;
  }

  async skip(roomId: number, seq: number): Promise<void> {
    await this.publishMessage(roomId, seq, '');
  }

  async missingBefore(roomId: number, seq: number, max: number): Promise<number[]> {
    const keys = this.keys(roomId);
    return (await this.missingScript([keys.lastSeq, keys.held], [seq, max])) as number[];
  }

  onResume(listener: () => void): void {
    this.redis.onResume(listener);
  }

  async close(): Promise<void> {}
}
