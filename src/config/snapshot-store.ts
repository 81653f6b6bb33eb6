import type { Snapshot } from './snapshot.js';

/** How the last reload went, as /readyz shows it: no file names or messages, only how many problems. */
export interface ReloadRecord {
  readonly at: string;
  readonly ok: boolean;
  readonly problems?: number;
}

/**
 * Holds the configuration in force. `swap` replaces it in one assignment: a request that already
 * read `current()` keeps its snapshot to the end, the next request gets the new one.
 */
export class SnapshotStore {
  #current: Snapshot;
  #loadedAt: string;
  #lastReload: ReloadRecord | undefined;

  constructor(initial: Snapshot, now: Date = new Date()) {
    this.#current = initial;
    this.#loadedAt = now.toISOString();
  }

  current(): Snapshot {
    return this.#current;
  }

  swap(next: Snapshot, now: Date = new Date()): void {
    this.#current = next;
    this.#loadedAt = now.toISOString();
    this.#lastReload = { at: this.#loadedAt, ok: true };
  }

  /** A reload found nothing to change: the files in place are good (again). */
  confirm(now: Date = new Date()): void {
    if (this.#lastReload?.ok === false) this.#lastReload = { at: now.toISOString(), ok: true };
  }

  refuse(problems: number, now: Date = new Date()): void {
    this.#lastReload = { at: now.toISOString(), ok: false, problems };
  }

  /** What /readyz reports: the configuration in force and how the last reload went. */
  status(): { readonly loadedAt: string; readonly lastReload: ReloadRecord | undefined } {
    return { loadedAt: this.#loadedAt, lastReload: this.#lastReload };
  }
}
