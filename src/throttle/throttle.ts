import type { ThrottlePolicy } from '../config/settings.js';
import { ThrottledError } from '../errors.js';

export type ThrottleKind = 'ip' | 'account';

/** Where failure counts live: this process's memory, or Redis shared by every replica. */
export interface ThrottleStore {
  /** Milliseconds the key stays locked; 0 when it is free. */
  lockRemaining(kind: ThrottleKind, key: string): Promise<number>;
  recordFailure(kind: ThrottleKind, key: string, policy: ThrottlePolicy): Promise<void>;
  reset(kind: ThrottleKind, key: string): Promise<void>;
}

export type Settlement = 'success' | 'failure' | 'void';

/** One credential check counted by the throttle from its start; settled with its outcome. */
export interface Reservation {
  settle(outcome: Settlement): Promise<void>;
}

export interface ThrottleKeys {
  readonly ip: string | undefined;
  readonly account: string | undefined;
}

/**
 * Failed-login throttling by client IP and by account. A locked key is refused with 429 before
 * any password is checked. Only failures count, so many parallel successful logins (a
 * `docker compose pull`) never add up to a lock. The account limit is softer (higher threshold,
 * short lock) than the IP limit, so an attacker at one IP hits its own lock long before it could lock
 * the account for everyone else; a success resets the account.
 */
export class Throttle {
  readonly #store: ThrottleStore;
  readonly #policies: Readonly<Record<ThrottleKind, ThrottlePolicy>>;
  readonly #onThrottled: (kind: ThrottleKind) => void;

  constructor(
    store: ThrottleStore,
    policies: Readonly<Record<ThrottleKind, ThrottlePolicy>>,
    onThrottled: (kind: ThrottleKind) => void = () => {},
  ) {
    this.#store = store;
    this.#policies = policies;
    this.#onThrottled = onThrottled;
  }

  async reserve(keys: ThrottleKeys): Promise<Reservation> {
    await this.check(keys);
    return {
      settle: async (outcome) => {
        if (outcome === 'failure') await this.failure(keys);
        else if (outcome === 'success') await this.success(keys);
      },
    };
  }

  async check(keys: ThrottleKeys): Promise<void> {
    for (const [kind, key] of entries(keys)) {
      const remaining = await this.#store.lockRemaining(kind, key);
      if (remaining > 0) {
        this.#onThrottled(kind);
        throw new ThrottledError(Math.ceil(remaining / 1000), `${kind} locked after repeated failed logins`);
      }
    }
  }

  async failure(keys: ThrottleKeys): Promise<void> {
    await Promise.all(entries(keys).map(([kind, key]) => this.#store.recordFailure(kind, key, this.#policies[kind])));
  }

  async success(keys: ThrottleKeys): Promise<void> {
    if (keys.account !== undefined) await this.#store.reset('account', keys.account);
  }
}

function entries(keys: ThrottleKeys): Array<[ThrottleKind, string]> {
  const out: Array<[ThrottleKind, string]> = [];
  if (keys.ip !== undefined) out.push(['ip', keys.ip]);
  if (keys.account !== undefined && keys.account !== '') out.push(['account', keys.account]);
  return out;
}
