/**
 * Failed-login throttling shared through a real redis-server: the Lua scripts keep the same policy
 * as the in-memory store, reservations hold however many replicas and workers race for them,
 * replicas see each other's locks, and a Redis outage neither opens nor closes the door: purser
 * keeps counting in memory and reconnects when Redis is back.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
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

  /** A failed check: reserve, then count it. */
  async function fail(store: RedisThrottleStore, key: string): Promise<void> {
    const id = randomUUID();
    assert.deepEqual(await store.reserve('ip', key, id, POLICY, 30_000), { verdict: 'granted' });
    await store.settle('ip', key, id, 'count', POLICY);
  }

  async function lockedFor(store: RedisThrottleStore, kind: 'ip' | 'account', key: string): Promise<number> {
    const admission = await store.reserve(kind, key, randomUUID(), POLICY, 30_000);
    return admission.verdict === 'locked' ? admission.remaining : 0;
  }

  test('locks after max failures, doubles each lock, and forgets on reset', async () => {
    const prefix = `test:${Date.now()}:`;
    const store = new RedisThrottleStore(client, prefix);
    for (let i = 0; i < 2; i++) await fail(store, '192.0.2.1');
    await fail(store, '192.0.2.1');
    const first = await lockedFor(store, 'ip', '192.0.2.1');
    assert.ok(first > 1500 && first <= 2000, String(first));
    await new Promise((resolve) => setTimeout(resolve, first));
    for (let i = 0; i < 3; i++) await fail(store, '192.0.2.1');
    const second = await lockedFor(store, 'ip', '192.0.2.1');
    assert.ok(second > 3500 && second <= 4000, String(second));
    assert.equal(await lockedFor(store, 'account', '192.0.2.1'), 0, 'kinds are separate');
    // State expires by itself once it no longer matters, so abandoned keys never pile up.
    const ttl = await client.pttl(`${prefix}ip:192.0.2.1`);
    assert.ok(ttl > second && ttl <= second + (60 + 8 + 8) * 1000, String(ttl));
    await store.settle('ip', '192.0.2.1', randomUUID(), 'reset', POLICY);
    assert.equal(await lockedFor(store, 'ip', '192.0.2.1'), 0);
    assert.equal(await client.exists(`${prefix}ip:192.0.2.1`), 0);
  });

  test('300 reservations at once from two connections: no more than max are granted', async () => {
    const prefix = `test:${Date.now()}:`;
    const other = new Redis(redis.url);
    try {
      const stores = [new RedisThrottleStore(client, prefix), new RedisThrottleStore(other, prefix)];
      const policy = { ...POLICY, max: 10 };
      const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => stores[i % 2]!.reserve('ip', '192.0.2.2', `r${i}`, policy, 30_000)));
      const granted = answers.flatMap((answer, i) => (answer.verdict === 'granted' ? [`r${i}`] : []));
      assert.equal(granted.length, 10);
      assert.ok(answers.every((answer) => answer.verdict !== 'locked'));
      // Each success gives its place back uncounted; each failure keeps it until the window ends.
      await stores[0]!.settle('ip', '192.0.2.2', granted[0]!, 'release', policy);
      await stores[1]!.settle('ip', '192.0.2.2', granted[1]!, 'count', policy);
      assert.equal((await stores[1]!.reserve('ip', '192.0.2.2', 'again', policy, 30_000)).verdict, 'granted');
      assert.equal((await stores[0]!.reserve('ip', '192.0.2.2', 'again2', policy, 30_000)).verdict, 'busy');
    } finally {
      other.disconnect();
    }
  });

  test('a reservation never settled lapses by itself, and so does the set that held it', async () => {
    const prefix = `test:${Date.now()}:`;
    const store = new RedisThrottleStore(client, prefix);
    const policy = { ...POLICY, max: 1 };
    assert.equal((await store.reserve('account', 'alice', 'crashed', policy, 300)).verdict, 'granted');
    assert.equal((await store.reserve('account', 'alice', 'next', policy, 300)).verdict, 'busy');
    const ttl = await client.pttl(`${prefix}account-inflight:alice`);
    assert.ok(ttl > 0 && ttl <= 300, String(ttl));
    await new Promise((resolve) => setTimeout(resolve, 350));
    assert.equal((await store.reserve('account', 'alice', 'next', policy, 300)).verdict, 'granted');
  });

  test('a known-good (account, address) pair is remembered with a time to live', async () => {
    const store = new RedisThrottleStore(client, `test:${Date.now()}:`);
    assert.equal(await store.isKnownGood('alice', '203.0.113.5'), false);
    await store.rememberGood('alice', '203.0.113.5', 300);
    assert.equal(await store.isKnownGood('alice', '203.0.113.5'), true);
    assert.equal(await store.isKnownGood('alice', '203.0.113.6'), false);
    assert.equal(await store.isKnownGood('bob', '203.0.113.5'), false);
    await new Promise((resolve) => setTimeout(resolve, 350));
    assert.equal(await store.isKnownGood('alice', '203.0.113.5'), false);
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
    for (let i = 0; i < 3; i++) assert.equal((await login(i % 2 === 0 ? one : two, '198.51.100.1', `wrong-${i}`)).status, 401);
    assert.equal((await login(two, '198.51.100.1', 'right')).status, 429);
    assert.equal((await login(one, '198.51.100.1', 'right')).status, 429);
    assert.equal((await login(one, '198.51.100.2', 'right')).status, 200);
  });

  test('with Redis gone, purser keeps serving and keeps throttling in memory; it reconnects when Redis is back', async () => {
    await redis.stop();
    await until(async () => (await metric(one, 'purser_redis_up')) === 0, 'purser to notice Redis is gone');
    assert.equal((await login(one, '198.51.100.3', 'right')).status, 200, 'correct logins still work');
    for (let i = 0; i < 3; i++) assert.equal((await login(one, '198.51.100.4', `wrong-${i}`)).status, 401);
    assert.equal((await login(one, '198.51.100.4', 'right')).status, 429, 'failures are still counted and locked');
    assert.ok((await metric(one, 'purser_redis_errors_total')) > 0);

    await redis.restart();
    await until(async () => (await metric(one, 'purser_redis_up')) === 1, 'purser to reconnect');
    for (let i = 0; i < 3; i++) assert.equal((await login(one, '198.51.100.5', `wrong-${i}`)).status, 401);
    assert.equal((await login(two, '198.51.100.5', 'right')).status, 429, 'shared again after the reconnection');
    assert.match(one.output(), /Redis unreachable: throttling falls back/);
  });
});

describe('replicas and workers sharing Redis: guesses at the same moment, known addresses', () => {
  let redis: RunningRedis;
  let one: RunningPurser;
  let two: RunningPurser;
  before(async () => {
    redis = await startRedis();
    const env = { ...THROTTLE_ENV, PURSER_REDIS_URL: redis.url };
    one = await startPurser({ acl: ACL, users: { alice: 'right' }, env });
    two = await startPurser({ acl: ACL, users: { alice: 'right' }, env: { ...env, PURSER_WORKERS: '2' } });
    // A gauge is summed over a process's workers.
    await until(async () => (await metric(one, 'purser_redis_up')) === 1 && (await metric(two, 'purser_redis_up')) === 2, 'every worker to reach Redis');
  });
  after(async () => {
    await one?.stop();
    await two?.stop();
    await redis?.stop();
  });

  const checks = async () =>
    (await metric(one, 'purser_password_verification_seconds_count')) + (await metric(two, 'purser_password_verification_seconds_count'));

  test('50 parallel correct logins from one address, split over the replicas, never see a 429', async () => {
    const statuses = await Promise.all(Array.from({ length: 50 }, (_, i) => login(i % 2 === 0 ? one : two, '203.0.113.50', 'right').then((r) => r.status)));
    assert.deepEqual(new Set(statuses), new Set([200]));
  });

  test('300 simultaneous guesses split over three processes: at most PURSER_THROTTLE_IP_MAX passwords are checked', async () => {
    const before = await checks();
    const guesses = Array.from({ length: 300 }, (_, i) => (i === 298 ? 'right' : `guess-${i}`));
    const statuses = await Promise.all(guesses.map((password, i) => login(i % 2 === 0 ? one : two, '198.51.100.9', password).then((r) => r.status)));
    assert.equal(statuses[298], 429, 'the right password, sent among the guesses, is not let through');
    assert.equal(statuses.filter((status) => status === 401).length, 3);
    assert.equal(statuses.filter((status) => status === 429).length, 297);
    assert.ok((await checks()) - before <= 3, `bcrypt ran ${(await checks()) - before} times`);
  });

  test('an address that logged in at one replica is let through the account lock at the other', async () => {
    assert.equal((await login(one, '203.0.113.60', 'right')).status, 200);
    for (let i = 0; i < 36; i++) await login(i % 2 === 0 ? one : two, `192.0.2.${1 + (i % 12)}`, `wrong-${i}`);
    assert.equal((await login(two, '203.0.113.61', 'right')).status, 429, 'the account is locked for a new address');
    assert.equal((await login(two, '203.0.113.60', 'right')).status, 200);
    assert.equal((await login(one, '203.0.113.60', 'right')).status, 200);
  });
});
