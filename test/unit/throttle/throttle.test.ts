import assert from 'node:assert/strict';
import { setImmediate as flush } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { ThrottledError } from '../../../src/errors.js';
import { MemoryThrottleStore } from '../../../src/throttle/memory-store.js';
import { Throttle, type Reservation, type ThrottleOptions } from '../../../src/throttle/throttle.js';
import { frozenClock } from '../../helpers/clock.js';

const POLICIES = {
  ip: { max: 10, window: 60, lock: 60, maxLock: 900 },
  account: { max: 3, window: 60, lock: 5, maxLock: 15 },
};

/** Simulated time for the waiting: sleepers wake only when the test advances it. */
function fakeTimer() {
  let now = 0;
  const sleepers: Array<{ due: number; wake: () => void }> = [];
  return {
    now: () => now,
    sleep: (ms: number) => new Promise<void>((wake) => sleepers.push({ due: now + ms, wake })),
    advance(ms: number) {
      now += ms;
      for (const sleeper of sleepers.filter((s) => s.due <= now)) {
        sleepers.splice(sleepers.indexOf(sleeper), 1);
        sleeper.wake();
      }
    },
    get sleepers() {
      return sleepers.length;
    },
  };
}

function setUp(options: ThrottleOptions = {}) {
  const clock = frozenClock();
  const store = new MemoryThrottleStore(clock);
  return { clock, store, throttle: new Throttle(store, POLICIES, options) };
}

/** Whether `promise` rejected with ThrottledError, and with which Retry-After. */
async function refusal(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    assert.ok(err instanceof ThrottledError, String(err));
    assert.equal(err.code, 'ERR_THROTTLED');
    return err.retryAfterSeconds;
  }
}

const alice = (ip: string) => ({ ip, account: 'alice' });
const fromIp = (ip: string) => ({ ip, account: undefined });

describe('throttle reservations', () => {
  test('300 concurrent reservations on one IP: max are granted, the rest wait, and are refused once those fail', async () => {
    const timer = fakeTimer();
    const { throttle } = setUp({ timer });
    const granted: Reservation[] = [];
    const all = Array.from({ length: 300 }, () =>
      throttle.reserve(fromIp('198.51.100.7')).then(
        (reservation) => void granted.push(reservation),
        (err: unknown) => err,
      ),
    );
    await flush();
    assert.equal(granted.length, 10, 'no more than max checks before any is settled');
    assert.equal(timer.sleepers, 290, 'the others wait for the checks in flight');

    // The failures lock the IP and wake the waiters at once, without a timer: they are refused by the lock.
    await Promise.all(granted.map((r) => r.settle('failure')));
    const refused = (await Promise.all(all)).filter((err) => err !== undefined);
    assert.equal(refused.length, 290);
    for (const err of refused) assert.ok(err instanceof ThrottledError && err.retryAfterSeconds === 60, 'refused by the lock the failures set');
    assert.equal(granted.length, 10);
  });

  test('a waiter takes the place a success gives back before a later request can', async () => {
    const timer = fakeTimer();
    const { throttle } = setUp({ timer });
    const first = await Promise.all(Array.from({ length: 10 }, () => throttle.reserve(fromIp('198.51.100.8'))));
    let waiterGranted = false;
    const waiter = throttle.reserve(fromIp('198.51.100.8')).then((r) => {
      waiterGranted = true;
      return r;
    });
    await flush();
    await first[0]!.settle('success');
    await flush(); // a new request arrives through I/O, after the settlement's microtasks
    assert.ok(waiterGranted, 'woken by the settlement, not by its timer');
    let latecomerGranted = false;
    const latecomer = throttle.reserve(fromIp('198.51.100.8')).then(() => (latecomerGranted = true));
    await flush();
    assert.equal(latecomerGranted, false, 'the latecomer waits its turn');
    await (await waiter).settle('void');
    await latecomer;
  });

  test('50 concurrent logins that succeed all get through, never more than max at once', async () => {
    const { throttle } = setUp(); // real sleep: the waiting path
    let inFlight = 0;
    let most = 0;
    const login = async () => {
      const reservation = await throttle.reserve(alice('203.0.113.5'));
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20)); // a password check
      inFlight--;
      await reservation.settle('success');
    };
    const results = await Promise.allSettled(Array.from({ length: 50 }, login));
    assert.deepEqual(results.filter((r) => r.status === 'rejected'), []);
    assert.ok(most <= 10, `at most max at once, saw ${most}`);
  });

  test('a wait for checks that never settle ends in 429 with Retry-After 1 after maxWait', async () => {
    const timer = fakeTimer();
    const { throttle } = setUp({ timer, maxWait: 2_500 });
    for (let i = 0; i < 10; i++) await throttle.reserve(fromIp('192.0.2.1'));
    let answer: number | undefined | 'waiting' = 'waiting';
    void refusal(throttle.reserve(fromIp('192.0.2.1'))).then((retryAfter) => (answer = retryAfter));
    for (let elapsed = 0; elapsed < 2_500; elapsed += 50) {
      await flush();
      assert.equal(answer, 'waiting', `still waiting after ${elapsed} ms`);
      timer.advance(50);
    }
    await flush();
    assert.equal(answer, 1);
  });

  test('a reservation that is never settled (a crashed check) lapses by itself', async () => {
    const { clock, throttle } = setUp({ maxWait: 0, reservationTtl: 30_000 });
    for (let i = 0; i < 10; i++) await throttle.reserve(fromIp('192.0.2.2'));
    assert.equal(await refusal(throttle.reserve(fromIp('192.0.2.2'))), 1, 'the quota is held');
    clock.advance(30_000);
    await throttle.reserve(fromIp('192.0.2.2'));
  });

  test("'void' gives the place back without counting", async () => {
    const { throttle } = setUp({ maxWait: 0 });
    for (let i = 0; i < 50; i++) await (await throttle.reserve(alice('192.0.2.3'))).settle('void');
    await throttle.reserve(alice('192.0.2.3'));
  });

  test('settling twice counts once', async () => {
    const { throttle } = setUp({ maxWait: 0 });
    for (let i = 0; i < 2; i++) {
      const reservation = await throttle.reserve(alice(`192.0.2.${10 + i}`));
      await reservation.settle('failure');
      await reservation.settle('failure');
    }
    await throttle.reserve(alice('192.0.2.12')); // 2 of the account's 3, not 4
  });

  test('a refusal by the account gives the IP its place back, uncounted', async () => {
    const { throttle } = setUp({ maxWait: 0 });
    for (let i = 0; i < 3; i++) await (await throttle.reserve(alice(`192.0.2.${20 + i}`))).settle('failure');
    for (let i = 0; i < 20; i++) assert.equal(await refusal(throttle.reserve(alice('192.0.2.30'))), 5);
    await throttle.reserve({ ip: '192.0.2.30', account: 'bob' });
  });

  test('a success resets the account it reserved', async () => {
    const { throttle } = setUp({ maxWait: 0 });
    for (let i = 0; i < 2; i++) await (await throttle.reserve(alice(`192.0.2.${40 + i}`))).settle('failure');
    await (await throttle.reserve(alice('203.0.113.9'))).settle('success');
    for (let i = 0; i < 2; i++) await (await throttle.reserve(alice(`192.0.2.${50 + i}`))).settle('failure');
    await throttle.reserve(alice('192.0.2.60'));
  });

  test('an address that logged in as the account is not held back by its lock; others still are', async () => {
    const { clock, throttle } = setUp({ maxWait: 0 });
    await (await throttle.reserve(alice('203.0.113.5'))).settle('success');
    for (let i = 0; i < 3; i++) await (await throttle.reserve(alice(`192.0.2.${70 + i}`))).settle('failure');
    assert.equal(await refusal(throttle.reserve(alice('192.0.2.99'))), 5, 'the account is locked');
    for (let i = 0; i < 20; i++) await (await throttle.reserve(alice('203.0.113.5'))).settle('success');
    assert.equal(await refusal(throttle.reserve(alice('192.0.2.99'))), 5, "the user's own logins do not unlock it for the attackers");
    for (let i = 0; i < 3; i++) await (await throttle.reserve({ ip: `192.0.2.${90 + i}`, account: 'bob' })).settle('failure');
    assert.equal(await refusal(throttle.reserve({ ip: '203.0.113.5', account: 'bob' })), 5, 'the pair is per account');
    for (let i = 0; i < 10; i++) await (await throttle.reserve(alice('203.0.113.5'))).settle('failure');
    assert.equal(await refusal(throttle.reserve(alice('203.0.113.5'))), 60, "the known address's failures still count by IP");

    clock.advance(86_400_000); // a day without logging in: the address is forgotten
    for (let i = 0; i < 3; i++) await (await throttle.reserve(alice(`192.0.2.${80 + i}`))).settle('failure');
    assert.equal(await refusal(throttle.reserve(alice('203.0.113.5'))), 5);
  });

  test('requests without keys are not throttled, and an empty account name is no account', async () => {
    const { throttle } = setUp({ maxWait: 0 });
    for (let i = 0; i < 50; i++) await (await throttle.reserve({ ip: undefined, account: undefined })).settle('failure');
    for (let i = 0; i < 5; i++) await (await throttle.reserve({ ip: `192.0.2.${100 + i}`, account: '' })).settle('failure');
    await throttle.reserve({ ip: '192.0.2.110', account: '' });
  });

  test('refusals are reported by kind', async () => {
    const kinds: string[] = [];
    const { throttle } = setUp({ maxWait: 0, onThrottled: (kind) => kinds.push(kind) });
    for (let i = 0; i < 3; i++) await (await throttle.reserve(alice(`192.0.2.${120 + i}`))).settle('failure');
    await refusal(throttle.reserve(alice('192.0.2.130')));
    for (let i = 0; i < 10; i++) await throttle.reserve(fromIp('192.0.2.131'));
    await refusal(throttle.reserve(fromIp('192.0.2.131')));
    assert.deepEqual(kinds, ['account', 'ip']);
  });
});
