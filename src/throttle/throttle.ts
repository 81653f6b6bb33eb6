import { randomUUID } from 'node:crypto';
import type { ThrottlePolicy } from '../config/settings.js';
import { ThrottledError } from '../errors.js';
import type { Admission } from './policy.js';
import { realTimer, WaitQueue, type WaitTimer } from './wait-queue.js';

export type ThrottleKind = 'ip' | 'account';

/**
 * What settling a reservation does to one key: `count` frees the place and counts a failure (which
 * may lock the key); `release` frees it and counts nothing; `reset` frees it and forgets the key's
 * failures, strikes and lock (a successful login, for the account).
 */
export type KeyChange = 'count' | 'release' | 'reset';

/**
 * Where counts and reservations live: this process's memory, or Redis shared by every replica.
 * Each operation is atomic for its key, so concurrent reservations cannot overshoot the quota.
 */
export interface ThrottleStore {
  /** Takes a place for check `id` on the key, held for at most `ttl` ms, if policy.ts `admit` allows it. */
  reserve(kind: ThrottleKind, key: string, id: string, policy: ThrottlePolicy, ttl: number): Promise<Admission>;
  /** Frees check `id`'s place, if it still holds one, and applies `change`. */
  settle(kind: ThrottleKind, key: string, id: string, change: KeyChange, policy: ThrottlePolicy): Promise<void>;
  /** Whether `account` logged in successfully from `ip` within the last `rememberGood` ttl. */
  isKnownGood(account: string, ip: string): Promise<boolean>;
  rememberGood(account: string, ip: string, ttl: number): Promise<void>;
}

export interface ThrottleKeys {
  readonly ip: string | undefined;
  readonly account: string | undefined;
}

/** How a check ended: `void` when it could not be made (a directory outage) or was already counted. */
export type Settlement = 'success' | 'failure' | 'void';

export interface Reservation {
  /** Gives the reservation's places back and counts the outcome. Only the first call counts. */
  settle(outcome: Settlement): Promise<void>;
}

export interface ThrottleOptions {
  readonly onThrottled?: (kind: ThrottleKind) => void;
  /** How a reservation waiting for checks in flight tells time and pauses; tests inject their own. */
  readonly timer?: WaitTimer;
  /** The longest wait, ms, for checks in flight to settle before answering 429. */
  readonly maxWait?: number;
  /** How long an unsettled reservation holds its place (a crashed process's heals by itself), ms. */
  readonly reservationTtl?: number;
  /** How long a successful (account, ip) pair bypasses the account's lock, ms. */
  readonly knownGoodTtl?: number;
}

const FIRST_PAUSE = 10;
const LONGEST_PAUSE = 100;

/**
 * Failed-login throttling by client IP and by account. Every credential check first reserves a place
 * on each key: a locked key is refused with 429 before any secret is checked, and failures plus
 * checks in flight never exceed the key's `max`, however many requests arrive at once. A reservation
 * that succeeds gives its place back uncounted, so many parallel successful logins (a
 * `docker compose pull`) wait a moment at most (see wait-queue.ts) and never add up to a lock.
 *
 * The account limit is softer (higher threshold, short lock) than the IP limit, so an attacker at one
 * IP hits its own lock long before it could lock the account; a success resets the account. An
 * address the account logged in from recently is not held back by the account's lock at all, so
 * attackers spread over many addresses cannot keep the real user out.
 */
export class Throttle {
  readonly #store: ThrottleStore;
  readonly #policies: Readonly<Record<ThrottleKind, ThrottlePolicy>>;
  readonly #onThrottled: (kind: ThrottleKind) => void;
  readonly #timer: WaitTimer;
  readonly #waiting: WaitQueue;
  readonly #maxWait: number;
  readonly #reservationTtl: number;
  readonly #knownGoodTtl: number;

  constructor(store: ThrottleStore, policies: Readonly<Record<ThrottleKind, ThrottlePolicy>>, options: ThrottleOptions = {}) {
    this.#store = store;
    this.#policies = policies;
    this.#onThrottled = options.onThrottled ?? (() => {});
    this.#timer = options.timer ?? realTimer;
    this.#waiting = new WaitQueue(this.#timer);
    this.#maxWait = options.maxWait ?? 2_500;
    this.#reservationTtl = options.reservationTtl ?? 30_000;
    this.#knownGoodTtl = options.knownGoodTtl ?? 86_400_000;
  }

  /**
   * Reserves one credential check for the keys, the IP first. Throws ThrottledError (429 with
   * Retry-After) when a key is locked; when a key's quota is held by checks still in flight, waits
   * for them to settle, up to `maxWait`, then throws with Retry-After 1.
   */
  async reserve(keys: ThrottleKeys): Promise<Reservation> {
    const id = randomUUID();
    const { ip } = keys;
    const account = keys.account === '' ? undefined : keys.account;
    const held: Array<readonly [ThrottleKind, string]> = [];
    try {
      if (ip !== undefined) {
        await this.#take('ip', ip, id);
        held.push(['ip', ip]);
      }
      if (account !== undefined && !(ip !== undefined && (await this.#store.isKnownGood(account, ip)))) {
        await this.#take('account', account, id);
        held.push(['account', account]);
      }
    } catch (err) {
      await this.#give(held, id, () => 'release');
      throw err;
    }
    let settled = false;
    return {
      settle: async (outcome) => {
        if (settled) return;
        settled = true;
        if (outcome === 'failure') return this.#give(held, id, () => 'count');
        if (outcome === 'void') return this.#give(held, id, () => 'release');
        // A success resets the account only if it reserved it: from a known-good address it did not,
        // and the user's own logins must not lift the lock the attackers earned elsewhere.
        await Promise.all([
          this.#give(held, id, (kind) => (kind === 'account' ? 'reset' : 'release')),
          ip !== undefined && account !== undefined ? this.#store.rememberGood(account, ip, this.#knownGoodTtl) : undefined,
        ]);
      },
    };
  }

  async #take(kind: ThrottleKind, key: string, id: string): Promise<void> {
    const policy = this.#policies[kind];
    const started = this.#timer.now();
    let pause = FIRST_PAUSE;
    for (;;) {
      const admission = await this.#store.reserve(kind, key, id, policy, this.#reservationTtl);
      if (admission.verdict === 'granted') return;
      if (admission.verdict === 'locked') {
        this.#onThrottled(kind);
        throw new ThrottledError(Math.ceil(admission.remaining / 1000), `${kind} locked after repeated failed logins`);
      }
      const waited = this.#timer.now() - started;
      if (waited >= this.#maxWait) {
        this.#onThrottled(kind);
        throw new ThrottledError(1, `${kind}: the window's attempts are all in flight`);
      }
      await this.#waiting.pause(`${kind}:${key}`, Math.min(pause, this.#maxWait - waited));
      pause = Math.min(pause * 2, LONGEST_PAUSE);
    }
  }

  async #give(held: ReadonlyArray<readonly [ThrottleKind, string]>, id: string, change: (kind: ThrottleKind) => KeyChange): Promise<void> {
    await Promise.all(held.map(([kind, key]) => this.#store.settle(kind, key, id, change(kind), this.#policies[kind])));
    for (const [kind, key] of held) this.#waiting.wake(`${kind}:${key}`);
  }
}
