import { randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';
import type { CredentialCache } from './credential-cache.js';
import { toNodeBcrypt, type UserRecord } from './htpasswd.js';

export type PasswordCheck = 'ok' | 'unknown_user' | 'wrong_password';

export interface VerifierHooks {
  /** Seconds one bcrypt comparison took. */
  readonly onBcrypt?: (seconds: number) => void;
  readonly onCacheLookup?: (hit: boolean) => void;
}

/**
 * Checks a password against `users.htpasswd`. bcrypt runs on libuv's thread pool, off the event loop.
 * An unknown user is compared against a dummy hash of the usual cost, so that it takes as long as a
 * wrong password (timing attack paranoia, as distribution's htpasswd backend puts it).
 * Concurrent checks of the same user and password share one bcrypt run: `docker compose pull`
 * sends many at once, and each would otherwise cost a full bcrypt.
 */
export class PasswordVerifier {
  readonly #cache: CredentialCache;
  readonly #inFlight = new Map<string, Promise<boolean>>();
  readonly #dummies = new Map<number, Promise<string>>();
  readonly #hooks: VerifierHooks;

  constructor(cache: CredentialCache, hooks: VerifierHooks = {}) {
    this.#cache = cache;
    this.#hooks = hooks;
  }

  get cache(): CredentialCache {
    return this.#cache;
  }

  /** Makes the dummy hash for `cost` ahead of the first unknown user (generating one is not verifying). */
  prepare(cost: number): void {
    void this.#dummy(cost);
  }

  async check(user: UserRecord | undefined, username: string, password: string, dummyCost: number): Promise<PasswordCheck> {
    if (user === undefined) {
      await this.#compare(password, await this.#dummy(dummyCost));
      return 'unknown_user';
    }
    const key = this.#cache.keyFor(username, password);
    const hit = this.#cache.has(key, user);
    this.#hooks.onCacheLookup?.(hit);
    if (hit) return 'ok';
    const flightKey = `${key}:${user.hash}`;
    let verdict = this.#inFlight.get(flightKey);
    if (verdict === undefined) {
      verdict = this.#compare(password, toNodeBcrypt(user.hash));
      this.#inFlight.set(flightKey, verdict);
      void verdict.finally(() => this.#inFlight.delete(flightKey)).catch(() => {});
    }
    if (!(await verdict)) return 'wrong_password';
    this.#cache.remember(key, user);
    return 'ok';
  }

  async #compare(password: string, hash: string): Promise<boolean> {
    const started = process.hrtime.bigint();
    try {
      return await bcrypt.compare(password, hash);
    } finally {
      this.#hooks.onBcrypt?.(Number(process.hrtime.bigint() - started) / 1e9);
    }
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
