import type { Clock } from '../clock.js';
import type { ThrottlePolicy } from '../config/settings.js';
import { admit, afterFailure, FRESH, lockRemaining, retention, type Admission, type ThrottleState } from './policy.js';
import type { KeyChange, ThrottleKind, ThrottleStore } from './throttle.js';

interface Held {
  state: ThrottleState;
  /** Checks in flight: reservation id → when it lapses (ms). */
  readonly inFlight: Map<string, number>;
  /** When the entry may be forgotten (ms). */
  expires: number;
}

/**
 * Throttling state in this process's memory. Bounded: a spray of made-up account names can't grow it
 * without limit (the oldest entries go first), and expired entries are swept as new ones arrive.
 * JavaScript runs each method to its end before another starts, so each is atomic for its key.
 */
export class MemoryThrottleStore implements ThrottleStore {
  readonly #entries = new Map<string, Held>();
  /** Known-good (ip, account) pairs → when they lapse (ms). Apart, so a spray of failures cannot push them out. */
  readonly #good = new Map<string, number>();
  readonly #clock: Clock;
  readonly #maxEntries: number;

  constructor(clock: Clock, maxEntries = 100_000) {
    this.#clock = clock;
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  async reserve(kind: ThrottleKind, key: string, id: string, policy: ThrottlePolicy, ttl: number): Promise<Admission> {
    const now = this.#clock.now();
    const held = this.#live(`${kind}:${key}`, now);
    const admission = admit(held?.state ?? FRESH, held?.inFlight.size ?? 0, now, policy);
    if (admission.verdict !== 'granted') return admission;
    const entry = held ?? { state: FRESH, inFlight: new Map<string, number>(), expires: 0 };
    entry.inFlight.set(id, now + ttl);
    this.#put(`${kind}:${key}`, entry, Math.max(entry.expires, now + ttl), now);
    return admission;
  }

  async settle(kind: ThrottleKind, key: string, id: string, change: KeyChange, policy: ThrottlePolicy): Promise<void> {
    const now = this.#clock.now();
    const name = `${kind}:${key}`;
    const held = this.#live(name, now) ?? { state: FRESH, inFlight: new Map<string, number>(), expires: 0 };
    held.inFlight.delete(id);
    if (change === 'count') held.state = afterFailure(held.state, now, policy);
    if (change === 'reset') held.state = FRESH;
    const keep = held.state === FRESH ? now : Math.max(now, held.state.lockedUntil) + retention(policy);
    const expires = Math.max(keep, ...held.inFlight.values());
    if (expires <= now) this.#entries.delete(name);
    else this.#put(name, held, expires, now);
  }

  async isKnownGood(account: string, ip: string): Promise<boolean> {
    return (this.#good.get(`${ip} ${account}`) ?? 0) > this.#clock.now();
  }

  async rememberGood(account: string, ip: string, ttl: number): Promise<void> {
    const now = this.#clock.now();
    const name = `${ip} ${account}`;
    this.#good.delete(name);
    this.#good.set(name, now + ttl);
    sweep(this.#good, this.#maxEntries, (expires) => expires > now);
  }

  /** Milliseconds the key stays locked here; 0 when it is free. */
  lockRemaining(kind: ThrottleKind, key: string): number {
    const held = this.#live(`${kind}:${key}`, this.#clock.now());
    return held === undefined ? 0 : lockRemaining(held.state, this.#clock.now());
  }

  /** Whether reservation `id` still holds a place on the key in this store. */
  holds(kind: ThrottleKind, key: string, id: string): boolean {
    return this.#live(`${kind}:${key}`, this.#clock.now())?.inFlight.has(id) ?? false;
  }

  /** The entry, without its lapsed reservations; undefined when there is none or it has expired. */
  #live(name: string, now: number): Held | undefined {
    const held = this.#entries.get(name);
    if (held === undefined || held.expires <= now) return undefined;
    for (const [id, lapses] of held.inFlight) if (lapses <= now) held.inFlight.delete(id);
    return held;
  }

  #put(name: string, held: Held, expires: number, now: number): void {
    held.expires = expires;
    this.#entries.delete(name);
    this.#entries.set(name, held);
    sweep(this.#entries, this.#maxEntries, (entry) => entry.expires > now);
  }
}

/** Drops entries from the oldest (maps keep last-touched order) while expired or over `max`. */
function sweep<V>(entries: Map<string, V>, max: number, live: (value: V) => boolean): void {
  for (const [name, value] of entries) {
    if (entries.size <= max && live(value)) break;
    entries.delete(name);
  }
}
