import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { admit, afterFailure, FRESH, lockRemaining, type ThrottleState } from '../../../src/throttle/policy.js';

const policy = { max: 3, window: 60, lock: 10, maxLock: 40 };

function failures(count: number, start: ThrottleState, at: number): ThrottleState {
  let state = start;
  for (let i = 0; i < count; i++) state = afterFailure(state, at, policy);
  return state;
}

describe('failed-login policy', () => {
  test('max failures within the window lock the key', () => {
    const two = failures(2, FRESH, 1000);
    assert.equal(lockRemaining(two, 1000), 0);
    const three = afterFailure(two, 1000, policy);
    assert.equal(lockRemaining(three, 1000), 10_000);
  });

  test('failures spread beyond the window do not add up', () => {
    let state = failures(2, FRESH, 0);
    state = afterFailure(state, 60_001, policy);
    assert.equal(state.failures, 1);
    assert.equal(lockRemaining(state, 60_001), 0);
  });

  test('each lock without a quiet spell doubles, up to maxLock', () => {
    let state = failures(3, FRESH, 0);
    assert.equal(lockRemaining(state, 0), 10_000);
    state = failures(3, state, 10_000);
    assert.equal(lockRemaining(state, 10_000), 20_000);
    state = failures(3, state, 30_000);
    assert.equal(lockRemaining(state, 30_000), 40_000);
    state = failures(3, state, 70_000);
    assert.equal(lockRemaining(state, 70_000), 40_000);
  });

  test('a quiet spell of maxLock after a lock starts over', () => {
    let state = failures(3, FRESH, 0);
    state = failures(3, state, 10_000 + 40_001);
    assert.equal(lockRemaining(state, 50_001), 10_000);
  });

  test('a check may start only while failures and checks in flight leave room', () => {
    const two = failures(2, FRESH, 0);
    const cases: Array<[string, ThrottleState, number, number, ReturnType<typeof admit>]> = [
      ['fresh, nothing in flight', FRESH, 0, 0, { verdict: 'granted' }],
      ['fresh, max - 1 in flight', FRESH, 2, 0, { verdict: 'granted' }],
      ['fresh, max in flight', FRESH, 3, 0, { verdict: 'busy' }],
      ['two failures, none in flight', two, 0, 1000, { verdict: 'granted' }],
      ['two failures, one in flight', two, 1, 1000, { verdict: 'busy' }],
      ['two failures of a window that has ended, two in flight', two, 2, 60_000, { verdict: 'granted' }],
      ['locked', failures(3, FRESH, 0), 0, 4000, { verdict: 'locked', remaining: 6000 }],
      ['lock over', failures(3, FRESH, 0), 0, 10_000, { verdict: 'granted' }],
    ];
    for (const [what, state, inFlight, now, expected] of cases) assert.deepEqual(admit(state, inFlight, now, policy), expected, what);
  });
});
