import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import type { LiveEngines } from '../engines.js';
import { RedisBroker } from './broker.js';
import { RedisConnection } from './connection.js';
import { rateLimitPrefix } from './keys.js';
import { RedisPresence } from './presence.js';
import { RedisRoomEvents } from './room-events.js';

/** Fan-out, presence, room events and rate limits in Redis (REDIS_URL), shared by every instance. */
export function openRedisEngines(config: Config & { redisUrl: string }, logger: Logger): LiveEngines {
  const redis = new RedisConnection(config.redisUrl, config.redisKeyPrefix, logger);
  return {
    kind: 'redis',
    broker: new RedisBroker(redis),
    presence: new RedisPresence(redis, config.presenceTtlMs),
    roomEvents: new RedisRoomEvents(redis),
    rateLimiter: ({ name, points, durationSeconds }) =>
      new RateLimiterRedis({
        storeClient: redis.command,
        keyPrefix: rateLimitPrefix(config.redisKeyPrefix, name),
        points,
        // Redis counts whole seconds.
        duration: Math.max(1, Math.round(durationSeconds)),
        rejectIfRedisNotReady: true,
        // While Redis is away each instance limits on its own, rather than refusing every request.
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: name, points, duration: durationSeconds }),
      }),
    ready: redis.ready,
    ping: () => redis.ping(),
    close: () => redis.close(),
  };
}
