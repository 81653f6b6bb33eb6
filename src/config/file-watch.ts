import { watch, type FSWatcher } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

/** What identifies a file's current contents without reading it: where a symlink points, inode, size, times. */
export async function fileSignature(file: string): Promise<string> {
  try {
    const [real, info] = await Promise.all([realpath(file), stat(file)]);
    return `${real}:${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
  } catch (err) {
    return `missing:${(err as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}

/**
 * Calls `onChange` (debounced) when any of `files` may have changed. It watches each file's folder
 * rather than the file, because editors replace files by renaming and Kubernetes updates a mounted
 * ConfigMap or Secret by swapping a `..data` symlink; neither is seen by a watch on the old file. A
 * periodic comparison of signatures catches what watching misses (network file systems, lost events).
 */
export class FileWatch {
  readonly #files: readonly string[];
  readonly #onChange: () => void;
  readonly #watchers: FSWatcher[] = [];
  #signatures = new Map<string, string>();
  #debounce: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;

  constructor(files: readonly string[], onChange: () => void) {
    this.#files = files;
    this.#onChange = onChange;
  }

  async start(pollSeconds: number, debounceMs = 250): Promise<void> {
    await this.#changed();
    const dirs = new Map<string, Set<string>>();
    for (const file of this.#files) {
      const names = dirs.get(dirname(file)) ?? new Set<string>();
      names.add(basename(file));
      dirs.set(dirname(file), names);
    }
    for (const dir of dirs.keys()) {
      try {
        const watcher = watch(dir, { persistent: false }, () => this.#schedule(debounceMs));
        watcher.on('error', () => {});
        this.#watchers.push(watcher);
      } catch {
        // The folder may not exist yet, or not support watching: polling still covers it.
      }
    }
    this.#poll = setInterval(() => this.#schedule(0), pollSeconds * 1000);
    this.#poll.unref();
  }

  stop(): void {
    for (const watcher of this.#watchers) watcher.close();
    this.#watchers.length = 0;
    clearInterval(this.#poll);
    clearTimeout(this.#debounce);
  }

  /** Records the current signatures as seen (after a reload read them). */
  async acknowledge(): Promise<void> {
    await this.#changed();
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      void this.#changed().then((changed) => {
        if (changed) this.#onChange();
      });
    }, delayMs);
    this.#debounce.unref();
  }

  async #changed(): Promise<boolean> {
    const next = new Map<string, string>();
    for (const file of this.#files) next.set(file, await fileSignature(file));
    const changed = [...next].some(([file, signature]) => this.#signatures.get(file) !== signature);
    this.#signatures = next;
    return changed;
  }
}
