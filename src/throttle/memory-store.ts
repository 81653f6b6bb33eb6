import type { Clock } from '../clock.js';
import type { ThrottlePolicy } from '../config/settings.js';
import { afterFailure, FRESH, lockRemaining, retention, type ThrottleState } from './policy.js';
import type { ThrottleKind, ThrottleStore } from './throttle.js';

interface Held {
  state: ThrottleState;
  /** When the entry may be forgotten (ms). */
  expires: number;
}

/**
 * Throttling state in this process's memory. Bounded: a spray of made-up account names can't grow it
 * without limit (the oldest entries go first), and expired entries are swept as new ones arrive.
 */
export class MemoryThrottleStore implements ThrottleStore {
  readonly #entries = new Map<string, Held>();
  readonly #clock: Clock;
  readonly #maxEntries: number;

  constructor(clock: Clock, maxEntries = 100_000) {
    this.#clock = clock;
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  async lockRemaining(kind: ThrottleKind, key: string): Promise<number> {
    const held = this.#entries.get(`${kind}:${key}`);
    return held === undefined ? 0 : lockRemaining(held.state, this.#clock.now());
  }

  async recordFailure(kind: ThrottleKind, key: string, policy: ThrottlePolicy): Promise<void> {
    const now = this.#clock.now();
    const id = `${kind}:${key}`;
    const held = this.#entries.get(id);
    const state = afterFailure(held && held.expires > now ? held.state : FRESH, now, policy);
    this.#entries.delete(id);
    this.#entries.set(id, { state, expires: Math.max(now, state.lockedUntil) + retention(policy) });
    this.#sweep(now);
  }

  async reset(kind: ThrottleKind, key: string): Promise<void> {
    this.#entries.delete(`${kind}:${key}`);
  }

  #sweep(now: number): void {
    // Entries are in last-touched order: the oldest come first.
    for (const [id, held] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && held.expires > now) break;
      this.#entries.delete(id);
    }
  }
}
