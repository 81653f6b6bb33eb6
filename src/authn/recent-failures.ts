import { createHmac, randomBytes } from 'node:crypto';

/**
 * Remembers, for a second, that a user name and password failed from an address. containerd asks
 * with POST and then again with GET when the first is refused: one wrong password is one attempt,
 * and counting it twice would lock a shared NAT address twice as fast. Keys are HMACs under a
 * per-process key; nothing of the password is held.
 */
export class RecentFailures {
  readonly #secret = randomBytes(32);
  readonly #entries = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;

  constructor(ttlMs = 1000, maxEntries = 10_000) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
  }

  key(ip: string, username: string, password: string): string {
    return createHmac('sha256', this.#secret).update(ip).update('\0').update(username).update('\0').update(password).digest('base64url');
  }

  /** True within the second after the failure (a clock stepped back does not stretch it). */
  has(key: string, now: number): boolean {
    const at = this.#entries.get(key);
    return at !== undefined && now >= at && now - at < this.#ttlMs;
  }

  add(key: string, now: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, now);
    for (const [oldest, at] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && now - at < this.#ttlMs) break;
      this.#entries.delete(oldest);
    }
  }
}
