import type { ThrottlePolicy } from '../config/settings.js';
import type { ThrottleKind, ThrottleStore } from './throttle.js';

export interface FallbackEvents {
  /** The shared store failed; `error` says how. Called on every failure (metrics count them). */
  readonly onError: (error: Error) => void;
  /** The shared store answers again after failing. */
  readonly onRecovered: () => void;
}

/**
 * Uses the shared store (Redis) while it answers, and this process's memory while it does not:
 * throttling never fails open (logins are still counted and locked) and never fails closed (a Redis
 * outage does not refuse every user). Counts made during an outage stay in memory; a lock set
 * in either place is honoured.
 */
export class FallbackThrottleStore implements ThrottleStore {
  readonly #shared: ThrottleStore;
  readonly #local: ThrottleStore;
  readonly #events: FallbackEvents;
  #degraded = false;

  constructor(shared: ThrottleStore, local: ThrottleStore, events: FallbackEvents) {
    this.#shared = shared;
    this.#local = local;
    this.#events = events;
  }

  get degraded(): boolean {
    return this.#degraded;
  }

  async lockRemaining(kind: ThrottleKind, key: string): Promise<number> {
    const local = await this.#local.lockRemaining(kind, key);
    const shared = await this.#try(() => this.#shared.lockRemaining(kind, key), 0);
    return Math.max(local, shared);
  }

  async recordFailure(kind: ThrottleKind, key: string, policy: ThrottlePolicy): Promise<void> {
    const recorded = await this.#try(async () => {
      await this.#shared.recordFailure(kind, key, policy);
      return true;
    }, false);
    if (!recorded) await this.#local.recordFailure(kind, key, policy);
  }

  async reset(kind: ThrottleKind, key: string): Promise<void> {
    await this.#local.reset(kind, key);
    await this.#try(() => this.#shared.reset(kind, key), undefined);
  }

  async #try<T>(operation: () => Promise<T>, fallback: T): Promise<T> {
    try {
      const result = await operation();
      if (this.#degraded) {
        this.#degraded = false;
        this.#events.onRecovered();
      }
      return result;
    } catch (err) {
      this.#degraded = true;
      this.#events.onError(err as Error);
      return fallback;
    }
  }
}
