import { BusyError } from '../errors.js';

export interface LimiterHooks {
  /** Called whenever the number of running or waiting jobs changes. */
  readonly onChange?: (running: number, waiting: number) => void;
  /** Called when a job is refused because the queue is full or it waited too long. */
  readonly onReject?: () => void;
}

/**
 * Runs at most `concurrency` jobs at once; up to `queueLimit` more wait in order, for at most
 * `maxWaitMs`. Past that a job is refused with BusyError (503 + Retry-After). bcrypt and RSA signing
 * share libuv's thread pool: bounding the hashing keeps threads free for signing, so a burst of
 * guesses cannot make anonymous pulls and cached logins wait.
 */
export class ConcurrencyLimiter {
  readonly #concurrency: number;
  readonly #queueLimit: number;
  readonly #maxWaitMs: number;
  readonly #hooks: LimiterHooks;
  readonly #waiting: Array<{ start: () => void; timer: NodeJS.Timeout }> = [];
  #running = 0;

  constructor(options: { concurrency: number; queueLimit: number; maxWaitMs: number }, hooks: LimiterHooks = {}) {
    this.#concurrency = options.concurrency;
    this.#queueLimit = options.queueLimit;
    this.#maxWaitMs = options.maxWaitMs;
    this.#hooks = hooks;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#concurrency) await this.#wait();
    else this.#running++;
    this.#changed();
    try {
      return await job();
    } finally {
      this.#next();
    }
  }

  #wait(): Promise<void> {
    if (this.#waiting.length >= this.#queueLimit) {
      this.#hooks.onReject?.();
      return Promise.reject(new BusyError(1, 'the password-check queue is full'));
    }
    return new Promise((resolve, reject) => {
      const entry = {
        start: () => {
          clearTimeout(entry.timer);
          resolve();
        },
        timer: setTimeout(() => {
          const index = this.#waiting.indexOf(entry);
          if (index >= 0) this.#waiting.splice(index, 1);
          this.#hooks.onReject?.();
          this.#changed();
          reject(new BusyError(1, 'a password check waited too long for a free slot'));
        }, this.#maxWaitMs),
      };
      entry.timer.unref();
      this.#waiting.push(entry);
      this.#changed();
    });
  }

  #next(): void {
    const waiter = this.#waiting.shift();
    // A slot passes straight to the next job in line, so `running` stays as it is.
    if (waiter !== undefined) waiter.start();
    else this.#running--;
    this.#changed();
  }

  #changed(): void {
    this.#hooks.onChange?.(this.#running, this.#waiting.length);
  }
}
