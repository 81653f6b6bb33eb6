import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import bcrypt from 'bcrypt';
import type { ConcurrencyLimiter } from './concurrency-limiter.js';
import type { CredentialCache } from './credential-cache.js';
import { toNodeBcrypt, type UserRecord } from './htpasswd.js';

export interface VerifierHooks {
  /** Seconds one bcrypt comparison took. */
  readonly onBcrypt?: (seconds: number) => void;
  readonly onCacheLookup?: (hit: boolean) => void;
}

/**
 * Checks passwords against `users.htpasswd` hashes. bcrypt runs on libuv's thread pool, at most as
 * many at once as the limiter allows. Concurrent checks of the same user and password share one
 * bcrypt run: `docker compose pull` sends many at once.
 *
 * Every failure takes as long as a check at the slowest cost the file holds (`slowestCost`): an
 * unknown user is compared against a dummy hash of that cost, and a wrong password for a user of a
 * lower cost is held back until that time has passed. A file mixing `htpasswd -B` (cost 5) and
 * cost-12 users would otherwise tell which names exist by how fast they fail (distribution's
 * htpasswd backend calls the dummy hash "timing attack paranoia").
 */
export class PasswordVerifier {
  readonly #cache: CredentialCache;
  readonly #limiter: ConcurrencyLimiter;
  readonly #hooks: VerifierHooks;
  readonly #inFlight = new Map<string, Promise<boolean>>();
  readonly #dummies = new Map<number, Promise<string>>();
  /** Recent time of one comparison per cost, ms (an exponential moving average). */
  readonly #durations = new Map<number, number>();

  constructor(cache: CredentialCache, limiter: ConcurrencyLimiter, hooks: VerifierHooks = {}) {
    this.#cache = cache;
    this.#limiter = limiter;
    this.#hooks = hooks;
  }

  get cache(): CredentialCache {
    return this.#cache;
  }

  /** Makes the dummy hash for `cost` ahead of the first unknown user (generating one is not verifying). */
  prepare(cost: number): void {
    void this.#dummy(cost).catch(() => {});
  }

  /**
   * True when this user and password were verified recently (the credential cache): no bcrypt,
   * and nothing to throttle, since only the right password can be in the cache. Unknown users are
   * looked up too, so the cache's counters do not tell known names from unknown ones.
   */
  remembered(user: UserRecord | undefined, username: string, password: string): boolean {
    const hit = user !== undefined && this.#cache.has(this.#cache.keyFor(username, password), user);
    this.#hooks.onCacheLookup?.(hit);
    return hit;
  }

  /** bcrypt against the user's hash; remembers a success. */
  async verify(user: UserRecord, password: string, slowestCost: number): Promise<boolean> {
    const started = performance.now();
    const key = this.#cache.keyFor(user.name, password);
    const flightKey = `${key}:${user.hash}`;
    let verdict = this.#inFlight.get(flightKey);
    if (verdict === undefined) {
      verdict = this.#compare(password, toNodeBcrypt(user.hash), user.cost);
      this.#inFlight.set(flightKey, verdict);
      void verdict.finally(() => this.#inFlight.delete(flightKey)).catch(() => {});
    }
    const ok = await verdict;
    if (ok) {
      this.#cache.remember(key, user);
      return true;
    }
    await this.#holdBack(started, user.cost, slowestCost);
    return false;
  }

  /** The check of a name no source knows: the same work and time as a wrong password. */
  async verifyUnknown(password: string, slowestCost: number): Promise<false> {
    await this.#compare(password, await this.#dummy(slowestCost), slowestCost);
    return false;
  }

  async #holdBack(started: number, cost: number, slowestCost: number): Promise<void> {
    if (cost >= slowestCost) return;
    const elapsed = performance.now() - started;
    // Each bcrypt cost step doubles the work; until a check at the slowest cost has been timed,
    // scale this one.
    const target = this.#durations.get(slowestCost) ?? elapsed * 2 ** (slowestCost - cost);
    if (target > elapsed) await sleep(target - elapsed);
  }

  async #compare(password: string, hash: string, cost: number): Promise<boolean> {
    return this.#limiter.run(async () => {
      const started = performance.now();
      try {
        return await bcrypt.compare(password, hash);
      } finally {
        const ms = performance.now() - started;
        const previous = this.#durations.get(cost);
        this.#durations.set(cost, previous === undefined ? ms : previous * 0.8 + ms * 0.2);
        this.#hooks.onBcrypt?.(ms / 1000);
      }
    });
  }

  #dummy(cost: number): Promise<string> {
    let hash = this.#dummies.get(cost);
    if (hash === undefined) {
      hash = bcrypt.hash(randomBytes(18).toString('base64'), cost);
      this.#dummies.set(cost, hash);
    }
    return hash;
  }
}
