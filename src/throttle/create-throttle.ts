import type { Clock } from '../clock.js';
import type { Settings } from '../config/settings.js';
import type { Logger } from '../observe/logger.js';
import type { Metrics } from '../observe/metrics.js';
import { FallbackThrottleStore } from './fallback-store.js';
import { MemoryThrottleStore } from './memory-store.js';
import { connectRedis, RedisThrottleStore } from './redis-store.js';
import { Throttle } from './throttle.js';

/**
 * The failed-login throttle: in this process's memory, or in Redis (PURSER_REDIS_URL) so that every
 * replica shares the counts, falling back to memory while Redis is unreachable.
 */
export function createThrottle(settings: Settings, parts: { clock: Clock; metrics: Metrics; logger: Logger }): { throttle: Throttle; close: () => Promise<void> } {
  const { clock, metrics, logger } = parts;
  const memory = new MemoryThrottleStore(clock);
  const onThrottled = (kind: string) => metrics.throttled.inc({ key: kind });
  if (settings.redisUrl === undefined) {
    metrics.redisUp.set(0);
    return { throttle: new Throttle(memory, settings.throttle, { onThrottled }), close: async () => {} };
  }
  const redis = connectRedis(settings.redisUrl);
  const where = redactUrl(settings.redisUrl);
  let up = false;
  let warned = false;
  redis.on('ready', () => {
    up = true;
    metrics.redisUp.set(1);
    logger.info({ redis: where }, 'connected to Redis: throttling is shared between replicas');
  });
  redis.on('error', (err: Error) => {
    // Once per outage, not once per reconnection attempt.
    if (up || !warned) logger.warn({ redis: where, err: err.message }, 'Redis unreachable: throttling falls back to this process until it is back');
    warned = true;
    up = false;
    metrics.redisUp.set(0);
  });
  const store = new FallbackThrottleStore(new RedisThrottleStore(redis), memory, {
    onError: () => metrics.redisErrors.inc(),
    onRecovered: () => logger.info({ redis: where }, 'Redis answers again: throttling is shared again'),
  });
  return {
    throttle: new Throttle(store, settings.throttle, { onThrottled }),
    close: async () => {
      redis.disconnect();
    },
  };
}

/** The URL without its password, for logs. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis';
  }
}
