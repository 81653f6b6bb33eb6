import type { ThrottlePolicy } from '../config/settings.js';

/** What is remembered about one throttling key (a client IP or an account). Times in ms. */
export interface ThrottleState {
  /** Failed logins in the current window. */
  readonly failures: number;
  readonly windowStart: number;
  readonly lockedUntil: number;
  /** How many times the key has been locked without a quiet spell in between; doubles the next lock. */
  readonly strikes: number;
}

export const FRESH: ThrottleState = { failures: 0, windowStart: 0, lockedUntil: 0, strikes: 0 };

/**
 * Whether one more credential check may start for a key. A denial is a value: `locked` says for how
 * long (ms); `busy` means the window's quota is taken by checks still in flight, which may yet
 * succeed and give their place back.
 */
export type Admission =
  | { readonly verdict: 'granted' }
  | { readonly verdict: 'busy' }
  | { readonly verdict: 'locked'; readonly remaining: number };

/**
 * A check is counted when it starts, not when it fails: failures in the window plus checks in flight
 * never exceed `max`, so concurrent guesses cannot all be checked before the first failure is
 * counted.
 */
export function admit(state: ThrottleState, inFlight: number, now: number, policy: ThrottlePolicy): Admission {
  const remaining = lockRemaining(state, now);
  if (remaining > 0) return { verdict: 'locked', remaining };
  if (failuresInWindow(state, now, policy) + inFlight >= policy.max) return { verdict: 'busy' };
  return { verdict: 'granted' };
}

/**
 * One more failed login for a key. `max` failures within `window` lock the key for `lock` seconds;
 * each lock after that, without a quiet spell of `maxLock` seconds, doubles, up to `maxLock`.
 */
export function afterFailure(state: ThrottleState, now: number, policy: ThrottlePolicy): ThrottleState {
  const quiet = state.lockedUntil > 0 && now > state.lockedUntil + policy.maxLock * 1000;
  const strikes = quiet ? 0 : state.strikes;
  const inWindow = now - state.windowStart < policy.window * 1000;
  const failures = (inWindow ? state.failures : 0) + 1;
  const windowStart = inWindow ? state.windowStart : now;
  if (failures < policy.max) return { failures, windowStart, lockedUntil: state.lockedUntil, strikes };
  const seconds = Math.min(policy.maxLock, policy.lock * 2 ** strikes);
  return { failures: 0, windowStart: now, lockedUntil: now + seconds * 1000, strikes: strikes + 1 };
}

/** Failures that still count: those of a window that has not ended. */
export function failuresInWindow(state: ThrottleState, now: number, policy: ThrottlePolicy): number {
  return now - state.windowStart < policy.window * 1000 ? state.failures : 0;
}

/** Milliseconds the key stays locked, 0 when it is not. */
export function lockRemaining(state: ThrottleState, now: number): number {
  return Math.max(0, state.lockedUntil - now);
}

/** How long, in ms, a key's state matters: after this it can be forgotten. */
export function retention(policy: ThrottlePolicy): number {
  return (Math.max(policy.window, policy.maxLock) + policy.maxLock) * 1000;
}
