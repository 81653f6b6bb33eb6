import { Redis } from 'ioredis';
import type { ThrottlePolicy } from '../config/settings.js';
import { retention } from './policy.js';
import type { ThrottleKind, ThrottleStore } from './throttle.js';

// The same state transition as policy.ts afterFailure, run atomically inside Redis on Redis's own
// clock, so replicas with skewed clocks agree. Fields: f failures, w window start, l locked until,
// s strikes (all ms). KEYS[1] the key; ARGV max, window, lock, maxLock (ms), retention (ms).
const FAILURE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = redis.call('HMGET', KEYS[1], 'f', 'w', 'l', 's')
local f, w, l, s = tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0, tonumber(v[4]) or 0
local max, window, lock, maxlock = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if l > 0 and now > l + maxlock then s = 0 end
if now - w < window then f = f + 1 else f = 1; w = now end
if f >= max then
  l = now + math.min(maxlock, lock * (2 ^ s))
  s = s + 1
  f = 0
  w = now
end
redis.call('HSET', KEYS[1], 'f', f, 'w', w, 'l', l, 's', s)
redis.call('PEXPIRE', KEYS[1], math.max(l - now, 0) + tonumber(ARGV[5]))
return math.max(l - now, 0)
`;

const REMAINING = `
local l = tonumber(redis.call('HGET', KEYS[1], 'l')) or 0
if l == 0 then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return math.max(l - now, 0)
`;

/** Throttling state in Redis, shared by every replica that uses the same server. */
export class RedisThrottleStore implements ThrottleStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix = 'purser:throttle:') {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async lockRemaining(kind: ThrottleKind, key: string): Promise<number> {
    return Number(await this.#redis.eval(REMAINING, 1, this.#key(kind, key)));
  }

  async recordFailure(kind: ThrottleKind, key: string, policy: ThrottlePolicy): Promise<void> {
    await this.#redis.eval(FAILURE, 1, this.#key(kind, key), policy.max, policy.window * 1000, policy.lock * 1000, policy.maxLock * 1000, retention(policy));
  }

  async reset(kind: ThrottleKind, key: string): Promise<void> {
    await this.#redis.del(this.#key(kind, key));
  }

  #key(kind: ThrottleKind, key: string): string {
    return `${this.#prefix}${kind}:${key}`;
  }
}

/**
 * A Redis connection that never queues commands while it is down (they fail at once, and the
 * fallback store takes over) and keeps trying to reconnect in the background.
 */
export function connectRedis(url: string): Redis {
  return new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    commandTimeout: 500,
    retryStrategy: (attempt) => Math.min(attempt * 250, 2000),
  });
}
