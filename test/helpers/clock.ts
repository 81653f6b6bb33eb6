import type { Clock } from '../../src/clock.js';

export interface FrozenClock extends Clock {
  advance(ms: number): void;
  set(ms: number): void;
}

/** A clock that only moves when told to. */
export function frozenClock(start = Date.UTC(2026, 10, 23, 12, 0, 0)): FrozenClock {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    set: (ms) => {
      now = ms;
    },
  };
}
