import { Redis } from 'ioredis';
import type { ThrottlePolicy } from '../config/settings.js';
import { retention, type Admission } from './policy.js';
import type { KeyChange, ThrottleKind, ThrottleStore } from './throttle.js';

// The scripts run atomically inside Redis on Redis's own clock, so replicas with skewed clocks agree
// and concurrent reservations from any number of workers cannot overshoot. A key's counters are a
// hash (f failures, w window start, l locked until, s strikes; all ms); its checks in flight are a
// sorted set of reservation ids scored by when they lapse. Both expire by themselves.
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

// policy.ts admit. KEYS[1] counters, KEYS[2] in flight; ARGV id, max, window (ms), reservation ttl (ms).
// Returns 0 granted, -1 busy, or the ms the key stays locked.
const RESERVE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local v = redis.call('HMGET', KEYS[1], 'f', 'w', 'l')
local f, w, l = tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0
if l > now then return l - now end
if now - w >= tonumber(ARGV[3]) then f = 0 end
if f + redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return -1 end
local ttl = tonumber(ARGV[4])
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[2], ttl)
return 0
`;

// Frees the reservation, then policy.ts afterFailure (count) or forgets the counters (reset).
// KEYS as RESERVE; ARGV id, change, max, window, lock, maxLock (ms), retention (ms).
const SETTLE = `${NOW}
redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[2] == 'reset' then redis.call('DEL', KEYS[1]) end
if ARGV[2] ~= 'count' then return 0 end
local v = redis.call('HMGET', KEYS[1], 'f', 'w', 'l', 's')
local f, w, l, s = tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0, tonumber(v[4]) or 0
local max, window, lock, maxlock = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
if l > 0 and now > l + maxlock then s = 0 end
if now - w < window then f = f + 1 else f = 1; w = now end
if f >= max then
  l = now + math.min(maxlock, lock * (2 ^ s))
  s = s + 1
  f = 0
  w = now
end
redis.call('HSET', KEYS[1], 'f', f, 'w', w, 'l', l, 's', s)
redis.call('PEXPIRE', KEYS[1], math.max(l - now, 0) + tonumber(ARGV[7]))
return 0
`;

/** Throttling state in Redis, shared by every replica and worker that uses the same server. */
export class RedisThrottleStore implements ThrottleStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix = 'purser:throttle:') {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async reserve(kind: ThrottleKind, key: string, id: string, policy: ThrottlePolicy, ttl: number): Promise<Admission> {
    const answer = Number(await this.#redis.eval(RESERVE, 2, ...this.#keys(kind, key), id, policy.max, policy.window * 1000, ttl));
    if (answer === 0) return { verdict: 'granted' };
    if (answer < 0) return { verdict: 'busy' };
    return { verdict: 'locked', remaining: answer };
  }

  async settle(kind: ThrottleKind, key: string, id: string, change: KeyChange, policy: ThrottlePolicy): Promise<void> {
    const { max, window, lock, maxLock } = policy;
    await this.#redis.eval(SETTLE, 2, ...this.#keys(kind, key), id, change, max, window * 1000, lock * 1000, maxLock * 1000, retention(policy));
  }

  async isKnownGood(account: string, ip: string): Promise<boolean> {
    return (await this.#redis.exists(this.#goodKey(account, ip))) === 1;
  }

  async rememberGood(account: string, ip: string, ttl: number): Promise<void> {
    await this.#redis.set(this.#goodKey(account, ip), '1', 'PX', ttl);
  }

  /** The counters' key and the in-flight set's key. Kinds end in ':', so no account name can reach another's. */
  #keys(kind: ThrottleKind, key: string): [string, string] {
    return [`${this.#prefix}${kind}:${key}`, `${this.#prefix}${kind}-inflight:${key}`];
  }

  /** An address never contains a space, so the first one ends it. */
  #goodKey(account: string, ip: string): string {
    return `${this.#prefix}good:${ip} ${account}`;
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
