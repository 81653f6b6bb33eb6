import type { ThrottlePolicy } from '../config/settings.js';
import type { MemoryThrottleStore } from './memory-store.js';
import type { Admission } from './policy.js';
import type { KeyChange, ThrottleKind, ThrottleStore } from './throttle.js';

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
 * in either place is honoured. A reservation is settled where it was made: the local store knows
 * its own, and every other goes to the shared store (or, if that fails, is counted locally).
 */
export class FallbackThrottleStore implements ThrottleStore {
  readonly #shared: ThrottleStore;
  readonly #local: MemoryThrottleStore;
  readonly #events: FallbackEvents;
  #degraded = false;

  constructor(shared: ThrottleStore, local: MemoryThrottleStore, events: FallbackEvents) {
    this.#shared = shared;
    this.#local = local;
    this.#events = events;
  }

  get degraded(): boolean {
    return this.#degraded;
  }

  async reserve(kind: ThrottleKind, key: string, id: string, policy: ThrottlePolicy, ttl: number): Promise<Admission> {
    const remaining = this.#local.lockRemaining(kind, key);
    if (remaining > 0) return { verdict: 'locked', remaining };
    const shared = await this.#try(() => this.#shared.reserve(kind, key, id, policy, ttl), undefined);
    return shared ?? this.#local.reserve(kind, key, id, policy, ttl);
  }

  async settle(kind: ThrottleKind, key: string, id: string, change: KeyChange, policy: ThrottlePolicy): Promise<void> {
    const local = this.#local.holds(kind, key, id);
    // A reset (a success) forgets the key in both places, whichever holds the reservation.
    const shared =
      (!local || change === 'reset') &&
      (await this.#try(async () => {
        await this.#shared.settle(kind, key, id, change, policy);
        return true;
      }, false));
    if (local || !shared || change === 'reset') await this.#local.settle(kind, key, id, change, policy);
  }

  async isKnownGood(account: string, ip: string): Promise<boolean> {
    if (await this.#local.isKnownGood(account, ip)) return true;
    return this.#try(() => this.#shared.isKnownGood(account, ip), false);
  }

  async rememberGood(account: string, ip: string, ttl: number): Promise<void> {
    const remembered = await this.#try(async () => {
      await this.#shared.rememberGood(account, ip, ttl);
      return true;
    }, false);
    if (!remembered) await this.#local.rememberGood(account, ip, ttl);
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
