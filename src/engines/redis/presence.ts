import { StoreUnavailableError } from '../../errors.js';
import { foldName } from '../../rooms/names.js';
import type { Presence, PresentUser, RoomUser } from '../../rooms/presence.js';
import type { RedisConnection, Script } from './connection.js';
import { roomKeys } from './keys.js';

/**
 * Shared by the presence scripts. KEYS: users, names, leases, activity. An entry is its folded name, a
 * newline, and the user as JSON: the scripts read the name without decoding JSON, which any string a
 * client sent must not be able to break. reap(cutoff) removes every entry whose lease ended by `cutoff`
 * and returns them; keep(ttl) lets an abandoned room's keys expire.
 */
const COMMON = `
local function keyOf(entry)
  return string.sub(entry, 1, string.find(entry, '\\n', 1, true) - 1)
end
local function release(conn, entry)
  local key = keyOf(entry)
  if redis.call('HGET', KEYS[2], key) == conn then redis.call('HDEL', KEYS[2], key) end
end
local function reap(cutoff)
  local departed = {}
  for _, conn in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', cutoff)) do
    local entry = redis.call('HGET', KEYS[1], conn)
    redis.call('HDEL', KEYS[1], conn)
    redis.call('HDEL', KEYS[4], conn)
    redis.call('ZREM', KEYS[3], conn)
    if entry then
      release(conn, entry)
      departed[#departed + 1] = entry
    end
  end
  return departed
end
local function keep(ttl)
  for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ttl) end
end
`;

/** ARGV: reap cutoff, connection, folded name, entry, lease end, key ttl. Returns {joined 0|1, departed entries}. */
const JOIN = `${COMMON}
local departed = reap(ARGV[1])
local owner = redis.call('HGET', KEYS[2], ARGV[3])
if owner and owner ~= ARGV[2] then return {0, departed} end
local previous = redis.call('HGET', KEYS[1], ARGV[2])
if previous then release(ARGV[2], previous) end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[4])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[2])
keep(ARGV[6])
return {1, departed}
`;

/** ARGV: connection. Returns the entry it removed, or nil. */
const LEAVE = `${COMMON}
local entry = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
if not entry then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
release(ARGV[1], entry)
return entry
`;

/**
 * ARGV: reap cutoff, lease end, key ttl, then for each present connection: its id, folded name, entry.
 * Extends their leases and puts back a missing entry whose name is free, then reaps. Returns
 * {departed, restored, refused}: refused are the connections whose name another connection holds now.
 */
const REFRESH = `${COMMON}
local restored, refused = {}, {}
for i = 4, #ARGV, 3 do
  local conn, key, entry = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if redis.call('HEXISTS', KEYS[1], conn) == 1 then
    redis.call('ZADD', KEYS[3], ARGV[2], conn)
  else
    local owner = redis.call('HGET', KEYS[2], key)
    if not owner or owner == conn then
      redis.call('HSET', KEYS[1], conn, entry)
      redis.call('HSET', KEYS[2], key, conn)
      redis.call('ZADD', KEYS[3], ARGV[2], conn)
      restored[#restored + 1] = entry
    else
      refused[#refused + 1] = conn
    end
  end
end
local departed = reap(ARGV[1])
keep(ARGV[3])
return {departed, restored, refused}
`;

const userOf = (entry: string): RoomUser => {
  const { username, color, last_activity } = JSON.parse(entry.slice(entry.indexOf('\n') + 1)) as RoomUser;
  return { username, color, last_activity };
};

/**
 * Presence in Redis. Each entry is owned by one connection and leased; the owning instance extends its
 * leases on a timer, and the scripts above remove expired entries atomically, so that exactly one caller
 * receives each to announce. Lease times come from the instances' clocks: keep them synchronized (NTP).
 * An instance that met Redis trouble reaps nothing for one lease after it: during an outage nobody could
 * extend their leases, and the instances that are alive extend them again within a quarter lease. And it
 * reaps only leases that ended before it last heard from Redis: a command sent into a stall that it has
 * not noticed yet runs when Redis wakes, and must not judge leases by the time it was sent.
 */
export class RedisPresence implements Presence {
  private readonly joinScript: Script;
  private readonly leaveScript: Script;
  private readonly refreshScript: Script;
  private troubleAt = Number.NEGATIVE_INFINITY;
  private heardAt = 0;

  constructor(
    private readonly redis: RedisConnection,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.joinScript = this.watched(redis.script('chitchatPresenceJoin', 4, JOIN));
    this.leaveScript = this.watched(redis.script('chitchatPresenceLeave', 4, LEAVE));
    this.refreshScript = this.watched(redis.script('chitchatPresenceRefresh', 4, REFRESH));
    redis.onResume(() => (this.troubleAt = this.now()));
  }

  /** Notes when Redis last answered, and when it last failed to. */
  private watched(script: Script): Script {
    return async (keys, args) => {
      const sentAt = this.now();
      try {
        const reply = await script(keys, args);
        this.heardAt = Math.max(this.heardAt, sentAt);
        return reply;
      } catch (err) {
        if (err instanceof StoreUnavailableError) this.troubleAt = this.now();
        throw err;
      }
    };
  }

  private troubled(at: number): boolean {
    return at - this.troubleAt < this.ttlMs;
  }

  /** Leases that ended by this time are over: none while the last trouble is less than a lease ago. */
  private reapCutoff(at: number): number {
    return this.troubled(at) ? 0 : Math.min(at, this.heardAt);
  }

  private keys(roomId: number): string[] {
    const keys = roomKeys(this.redis.prefix, roomId);
    return [keys.users, keys.names, keys.leases, keys.activity];
  }

  /** Keys outlive the last lease by a margin, so a room nobody refreshes any more cleans itself up. */
  private get keyTtlMs(): number {
    return this.ttlMs * 3;
  }

  private entry(user: RoomUser): { key: string; entry: string } {
    const key = foldName(user.username);
    return { key, entry: `${key}\n${JSON.stringify(user)}` };
  }

  async join(roomId: number, connectionId: string, user: RoomUser): Promise<{ joined: boolean; departed: RoomUser[] }> {
    const at = this.now();
    const { key, entry } = this.entry(user);
    const [joined, departed] = (await this.joinScript(this.keys(roomId), [this.reapCutoff(at), connectionId, key, entry, at + this.ttlMs, this.keyTtlMs])) as [
      number,
      string[],
    ];
    return { joined: joined === 1, departed: departed.map(userOf) };
  }

  async leave(roomId: number, connectionId: string): Promise<RoomUser | null> {
    const entry = (await this.leaveScript(this.keys(roomId), [connectionId])) as string | null;
    return entry === null ? null : userOf(entry);
  }

  async touch(roomId: number, connectionId: string, at: string): Promise<void> {
    await this.redis.guard(() => this.redis.command.hset(roomKeys(this.redis.prefix, roomId).activity, connectionId, at));
  }

  async usersIn(roomId: number): Promise<RoomUser[]> {
    const keys = roomKeys(this.redis.prefix, roomId);
    const at = this.now();
    const replies = await this.redis.guard(() =>
      this.redis.command.multi().hgetall(keys.users).hgetall(keys.activity).zrangebyscore(keys.leases, `(${this.troubled(at) ? 0 : at}`, '+inf').exec(),
    );
    const [entries, activity, live] = (replies ?? []).map(([err, value]) => {
      if (err) throw err;
      return value;
    }) as [Record<string, string>, Record<string, string>, string[]];
    return live.flatMap((connectionId) => {
      const entry = entries[connectionId];
      if (!entry) return [];
      // The user is this read's own: completed in place, not copied with a property after a spread, which
      // costs about a microsecond on Node 20's V8 (see MemoryRoomStore.create).
      const user = userOf(entry);
      user.last_activity = activity[connectionId] ?? user.last_activity;
      return [user];
    });
  }

  async refresh(roomId: number, present: PresentUser[]): Promise<{ departed: RoomUser[]; restored: RoomUser[]; refused: string[] }> {
    const at = this.now();
    const triples = present.flatMap(({ connectionId, user }) => {
      const { key, entry } = this.entry(user);
      return [connectionId, key, entry];
    });
    const [departed, restored, refused] = (await this.refreshScript(this.keys(roomId), [this.reapCutoff(at), at + this.ttlMs, this.keyTtlMs, ...triples])) as [
      string[],
      string[],
      string[],
    ];
    return { departed: departed.map(userOf), restored: restored.map(userOf), refused };
  }

  async forgetRoom(roomId: number): Promise<void> {
    await this.redis.guard(() => this.redis.command.del(...this.keys(roomId)));
  }
}
