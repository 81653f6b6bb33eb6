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

/** Milliseconds the key stays locked, 0 when it is not. */
export function lockRemaining(state: ThrottleState, now: number): number {
  return Math.max(0, state.lockedUntil - now);
}

/** How long, in ms, a key's state matters: after this it can be forgotten. */
export function retention(policy: ThrottlePolicy): number {
  return (Math.max(policy.window, policy.maxLock) + policy.maxLock) * 1000;
}
