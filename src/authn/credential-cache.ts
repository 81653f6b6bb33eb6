import { createHmac, randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { UserRecord } from './htpasswd.js';

interface Entry {
  readonly user: string;
  /** The htpasswd hash the password was verified against; a changed hash voids the entry. */
  readonly hash: string;
  readonly expires: number;
}

/**
 * Remembers, for a bounded time and number of entries (least recently used first out), that a
 * user name and password verified against a given bcrypt hash, so repeat requests skip bcrypt.
 * Entries are keyed by an HMAC of user and password under a random per-process key: neither the
 * password nor a plain hash of it is held. Only successes are stored.
 */
export class CredentialCache {
  readonly #secret = randomBytes(32);
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #clock: Clock;

  constructor(ttlSeconds: number, maxEntries: number, clock: Clock) {
    this.#ttlMs = ttlSeconds * 1000;
    this.#maxEntries = maxEntries;
    this.#clock = clock;
  }

  get enabled(): boolean {
    return this.#ttlMs > 0 && this.#maxEntries > 0;
  }

  get size(): number {
    return this.#entries.size;
  }

  keyFor(username: string, password: string): string {
    return createHmac('sha256', this.#secret).update(username).update('\0').update(password).digest('base64url');
  }

  has(key: string, user: UserRecord): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    if (entry.hash !== user.hash || entry.user !== user.name || entry.expires <= this.#clock.now()) {
      this.#entries.delete(key);
      return false;
    }
    // Refresh the entry's place in the LRU order (a Map iterates in insertion order).
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return true;
  }

  remember(key: string, user: UserRecord): void {
    if (!this.enabled) return;
    this.#entries.delete(key);
    this.#entries.set(key, { user: user.name, hash: user.hash, expires: this.#clock.now() + this.#ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  /** After a reload: drop every entry whose user is gone or has a different hash now. */
  retain(users: ReadonlyMap<string, UserRecord>): void {
    for (const [key, entry] of this.#entries) {
      if (users.get(entry.user)?.hash !== entry.hash) this.#entries.delete(key);
    }
  }
}
