/**
 * Failed-login throttling shared through a real redis-server: the Lua script keeps the same policy
 * as the in-memory store, replicas see each other's locks, and a Redis outage neither opens nor
 * closes the door: purser keeps counting in memory and reconnects when Redis is back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { RedisThrottleStore } from '../../src/throttle/redis-store.js';
import { startPurser, type RunningPurser } from './harness/start-purser.js';
import { startRedis, type RunningRedis } from './harness/start-redis.js';

const POLICY = { max: 3, window: 60, lock: 2, maxLock: 8 };
const THROTTLE_ENV = {
  PURSER_THROTTLE_IP_MAX: '3',
  PURSER_THROTTLE_IP_LOCK: '60',
  PURSER_TRUSTED_PROXIES: '127.0.0.1/32',
};
const ACL = 'acl:\n  - match: {account: "/.+/"}\n    actions: [pull]\n';

function login(purser: RunningPurser, ip: string, password: string): Promise<Response> {
  return fetch(`${purser.url}/auth?service=Docker%20registry`, {
    headers: { Authorization: `Basic ${Buffer.from(`alice:${password}`).toString('base64')}`, 'X-Forwarded-For': ip },
  });
}

async function metric(purser: RunningPurser, name: string): Promise<number> {
  const text = await (await fetch(`${purser.url}/metrics`)).text();
  return Number(text.split('\n').find((line) => line.startsWith(`${name} `))?.split(' ')[1] ?? NaN);
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('the Redis store keeps the throttling policy', () => {
  let redis: RunningRedis;
  let client: Redis;
  before(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  after(async () => {
    client.disconnect();
    await redis.stop();
  });

  test('locks after max failures, doubles each lock, and forgets on reset', async () => {
    const prefix = `test:${Date.now()}:`;
    const store = new RedisThrottleStore(client, prefix);
    for (let i = 0; i < 2; i++) await store.recordFailure('ip', '192.0.2.1', POLICY);
    assert.equal(await store.lockRemaining('ip', '192.0.2.1'), 0);
    await store.recordFailure('ip', '192.0.2.1', POLICY);
    const first = await store.lockRemaining('ip', '192.0.2.1');
    assert.ok(first > 1500 && first <= 2000, String(first));
    for (let i = 0; i < 3; i++) await store.recordFailure('ip', '192.0.2.1', POLICY);
    const second = await store.lockRemaining('ip', '192.0.2.1');
    assert.ok(second > 3500 && second <= 4000, String(second));
    assert.equal(await store.lockRemaining('account', '192.0.2.1'), 0, 'kinds are separate');
    // State expires by itself once it no longer matters, so abandoned keys never pile up.
    const ttl = await client.pttl(`${prefix}ip:192.0.2.1`);
    assert.ok(ttl > second && ttl <= second + (60 + 8 + 8) * 1000, String(ttl));
    await store.reset('ip', '192.0.2.1');
    assert.equal(await store.lockRemaining('ip', '192.0.2.1'), 0);
    assert.equal(await client.exists(`${prefix}ip:192.0.2.1`), 0);
  });
});

describe('two replicas sharing Redis', () => {
  let redis: RunningRedis;
  let one: RunningPurser;
  let two: RunningPurser;
  before(async () => {
    redis = await startRedis();
    const env = { ...THROTTLE_ENV, PURSER_REDIS_URL: redis.url };
    one = await startPurser({ acl: ACL, users: { alice: 'right' }, env });
    two = await startPurser({ acl: ACL, users: { alice: 'right' }, env });
    await until(async () => (await metric(one, 'purser_redis_up')) === 1 && (await metric(two, 'purser_redis_up')) === 1, 'both replicas to reach Redis');
  });
  after(async () => {
    await one?.stop();
    await two?.stop();
    await redis?.stop();
  });

  test('failures at one replica lock the IP at the other', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await login(i % 2 === 0 ? one : two, '198.51.100.1', 'wrong')).status, 401);
    assert.equal((await login(two, '198.51.100.1', 'right')).status, 429);
    assert.equal((await login(one, '198.51.100.1', 'right')).status, 429);
    assert.equal((await login(one, '198.51.100.2', 'right')).status, 200);
  });

  test('with Redis gone, purser keeps serving and keeps throttling in memory; it reconnects when Redis is back', async () => {
    await redis.stop();
    await until(async () => (await metric(one, 'purser_redis_up')) === 0, 'purser to notice Redis is gone');
    assert.equal((await login(one, '198.51.100.3', 'right')).status, 200, 'correct logins still work');
    for (let i = 0; i < 3; i++) assert.equal((await login(one, '198.51.100.4', 'wrong')).status, 401);
    assert.equal((await login(one, '198.51.100.4', 'right')).status, 429, 'failures are still counted and locked');
    assert.ok((await metric(one, 'purser_redis_errors_total')) > 0);

    await redis.restart();
    await until(async () => (await metric(one, 'purser_redis_up')) === 1, 'purser to reconnect');
    for (let i = 0; i < 3; i++) assert.equal((await login(one, '198.51.100.5', 'wrong')).status, 401);
    assert.equal((await login(two, '198.51.100.5', 'right')).status, 429, 'shared again after the reconnection');
    assert.match(one.output(), /Redis unreachable: throttling falls back/);
  });
});
