import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FallbackThrottleStore } from '../../../src/throttle/fallback-store.js';
import { MemoryThrottleStore } from '../../../src/throttle/memory-store.js';
import type { ThrottleStore } from '../../../src/throttle/throttle.js';
import { frozenClock } from '../../helpers/clock.js';

const POLICY = { max: 3, window: 60, lock: 60, maxLock: 900 };
const TTL = 30_000;

/** A shared store that can be taken down: every call then fails, as Redis's do. */
function switchable(store: ThrottleStore): ThrottleStore & { down: boolean } {
  const wrapped = {
    down: false,
    reserve: (...args: Parameters<ThrottleStore['reserve']>) => call(() => store.reserve(...args)),
    settle: (...args: Parameters<ThrottleStore['settle']>) => call(() => store.settle(...args)),
    isKnownGood: (...args: Parameters<ThrottleStore['isKnownGood']>) => call(() => store.isKnownGood(...args)),
    rememberGood: (...args: Parameters<ThrottleStore['rememberGood']>) => call(() => store.rememberGood(...args)),
  };
  const call = <T>(operation: () => Promise<T>): Promise<T> => (wrapped.down ? Promise.reject(new Error('connection refused')) : operation());
  return wrapped;
}

function setUp() {
  const clock = frozenClock();
  const remote = new MemoryThrottleStore(clock);
  const shared = switchable(remote);
  const local = new MemoryThrottleStore(clock);
  const events = { errors: 0, recoveries: 0 };
  const store = new FallbackThrottleStore(shared, local, { onError: () => events.errors++, onRecovered: () => events.recoveries++ });
  return { shared, remote, local, store, events };
}

describe('the fallback store', () => {
  test('a reservation made while the shared store was down is settled locally after it is back', async () => {
    const { shared, remote, local, store, events } = setUp();
    shared.down = true;
    assert.deepEqual(await store.reserve('ip', '192.0.2.1', 'r1', POLICY, TTL), { verdict: 'granted' });
    assert.ok(local.holds('ip', '192.0.2.1', 'r1'));
    shared.down = false;
    await store.settle('ip', '192.0.2.1', 'r1', 'release', POLICY);
    assert.equal(local.holds('ip', '192.0.2.1', 'r1'), false);
    assert.equal(remote.size, 0, 'nothing went to the shared store');
    assert.equal(events.recoveries, 0);
    assert.ok(events.errors > 0);
  });

  test('a reservation made in the shared store is settled there', async () => {
    const { remote, local, store } = setUp();
    for (let i = 0; i < 3; i++) {
      await store.reserve('ip', '192.0.2.2', `r${i}`, POLICY, TTL);
      await store.settle('ip', '192.0.2.2', `r${i}`, 'count', POLICY);
    }
    assert.equal(remote.lockRemaining('ip', '192.0.2.2'), 60_000);
    assert.equal(local.size, 0);
  });

  test('a failure the shared store cannot take is counted locally, and the local lock is honoured', async () => {
    const { shared, store } = setUp();
    for (let i = 0; i < 3; i++) {
      await store.reserve('ip', '192.0.2.3', `r${i}`, POLICY, TTL);
      shared.down = true;
      await store.settle('ip', '192.0.2.3', `r${i}`, 'count', POLICY);
      shared.down = false;
    }
    assert.deepEqual(await store.reserve('ip', '192.0.2.3', 'r9', POLICY, TTL), { verdict: 'locked', remaining: 60_000 });
  });

  test('a success forgets the account in both places, wherever it was reserved', async () => {
    const { shared, remote, local, store } = setUp();
    for (let i = 0; i < 2; i++) {
      shared.down = i === 1; // one failure in each place
      await store.reserve('account', 'alice', `r${i}`, POLICY, TTL);
      await store.settle('account', 'alice', `r${i}`, 'count', POLICY);
    }
    assert.equal(remote.size, 1);
    assert.equal(local.size, 1);
    await store.reserve('account', 'alice', 'ok', POLICY, TTL); // made locally: Redis is still down
    shared.down = false;
    await store.settle('account', 'alice', 'ok', 'reset', POLICY);
    assert.equal(remote.size, 0);
    assert.equal(local.size, 0);
  });

  test('known-good pairs are remembered locally while the shared store is down', async () => {
    const { shared, store } = setUp();
    shared.down = true;
    await store.rememberGood('alice', '203.0.113.5', 1000);
    assert.equal(await store.isKnownGood('alice', '203.0.113.5'), true);
    shared.down = false;
    assert.equal(await store.isKnownGood('alice', '203.0.113.5'), true);
    await store.rememberGood('bob', '203.0.113.5', 1000);
    assert.equal(await store.isKnownGood('bob', '203.0.113.5'), true);
    shared.down = true;
    assert.equal(await store.isKnownGood('bob', '203.0.113.5'), false, 'an outage forgets what only Redis knew, and never fails');
  });
});
