/** How a waiting reservation tells time and pauses: real by default, simulated in tests. */
export interface WaitTimer {
  /** Milliseconds on a monotonic clock (not the wall clock: that may be frozen or jump). */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realTimer: WaitTimer = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * This process's reservations waiting for a key's checks in flight. A settlement here wakes the
 * key's waiters at once, in the order they came, so that they take the freed place before a new
 * request can: a new request arrives through I/O, after the wake's microtasks. Without that, waiters
 * polling on a timer would lose most races to new arrivals and could be starved into a 429.
 * Settlements in other processes (Redis) are seen at the next poll.
 */
export class WaitQueue {
  readonly #timer: WaitTimer;
  readonly #waiting = new Map<string, Set<() => void>>();

  constructor(timer: WaitTimer) {
    this.#timer = timer;
  }

  /** Resolves after `ms`, or sooner when `name` is woken. */
  async pause(name: string, ms: number): Promise<void> {
    let wake = () => {};
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const waiters = this.#waiting.get(name) ?? new Set();
    this.#waiting.set(name, waiters.add(wake));
    try {
      await Promise.race([this.#timer.sleep(ms), woken]);
    } finally {
      waiters.delete(wake);
      if (waiters.size === 0) this.#waiting.delete(name);
    }
  }

  wake(name: string): void {
    for (const wake of this.#waiting.get(name) ?? []) wake();
  }
}
