import type { Logger } from '../observe/logger.js';
import type { Metrics } from '../observe/metrics.js';
import { ConfigError, formatIssue } from '../errors.js';
import type { Settings } from './settings.js';
import { buildSnapshot, type Snapshot, type SourceTexts } from './snapshot.js';
import type { SnapshotStore } from './snapshot-store.js';
import { FileWatch } from './file-watch.js';
import { readSources } from './source-files.js';

export type ReloadOutcome = 'reloaded' | 'unchanged' | 'refused';

/**
 * Rebuilds the whole configuration from the files and swaps it in, or refuses it: an invalid file
 * (bad YAML, an unknown field, a bad hash line, a key that does not match its certificate, a file
 * cut short, a read error, a file that kept changing) leaves the last good configuration in force,
 * is logged with file and position, and counted in purser_config_reload_failures_total. The files
 * are read once they have settled (readSources), so a reload may take PURSER_RELOAD_SETTLE seconds
 * after an edit. Reloads never overlap: one asked for while another runs happens right after it.
 */
export class Reloader {
  readonly #settings: Settings;
  readonly #store: SnapshotStore;
  readonly #logger: Logger;
  readonly #metrics: Metrics;
  readonly #onSwap: (next: Snapshot, previous: Snapshot) => void;
  readonly #read: (settings: Settings, options: { signal: AbortSignal }) => Promise<SourceTexts>;
  readonly #watch: FileWatch;
  /** Ends a reload that is waiting for its files to settle, at shutdown. */
  readonly #stopped = new AbortController();
  #running: Promise<ReloadOutcome> | undefined;
  #queued: Promise<ReloadOutcome> | undefined;

  constructor(
    settings: Settings,
    store: SnapshotStore,
    parts: {
      logger: Logger;
      metrics: Metrics;
      onSwap: (next: Snapshot, previous: Snapshot) => void;
      read?: (settings: Settings, options: { signal: AbortSignal }) => Promise<SourceTexts>;
    },
  ) {
    this.#settings = settings;
    this.#store = store;
    this.#logger = parts.logger;
    this.#metrics = parts.metrics;
    this.#onSwap = parts.onSwap;
    this.#read = parts.read ?? readSources;
    const files = [settings.aclFile, settings.htpasswdFile, settings.apiTokensFile, settings.federationFile, settings.signingKeyFile, settings.signingCertFile];
    if (settings.tlsCertFile && settings.tlsKeyFile) files.push(settings.tlsCertFile, settings.tlsKeyFile);
    this.#watch = new FileWatch(files, () => void this.reload('file change'));
  }

  /** Watches the files, unless PURSER_RELOAD_INTERVAL is 0: then only SIGHUP reloads. */
  async start(): Promise<void> {
    if (this.#settings.reloadInterval > 0) await this.#watch.start(this.#settings.reloadInterval);
  }

  stop(): void {
    this.#watch.stop();
    this.#stopped.abort();
  }

  /**
   * Reloads now, or right after the reload in progress (which may have read the files before the
   * change this call is about), and answers with the outcome of the reload that runs for it. Calls
   * made while one waits share it.
   */
  reload(reason: string): Promise<ReloadOutcome> {
    const running = this.#running;
    if (running === undefined) return this.#start(reason);
    const start = () => {
      this.#queued = undefined;
      return this.#start(reason);
    };
    this.#queued ??= running.then(start, start);
    return this.#queued;
  }

  #start(reason: string): Promise<ReloadOutcome> {
    const running = this.#reloadNow(reason).finally(() => {
      this.#running = undefined;
    });
    this.#running = running;
    return running;
  }

  async #reloadNow(reason: string): Promise<ReloadOutcome> {
    const previous = this.#store.current();
    let next: Snapshot;
    try {
      next = buildSnapshot(this.#settings, await this.#read(this.#settings, { signal: this.#stopped.signal }), previous);
    } catch (err) {
      if (this.#stopped.signal.aborted) return 'unchanged';
      const issues = err instanceof ConfigError ? err.issues : [{ file: '', path: '', message: (err as Error).message }];
      const message = issues.map(formatIssue).join('; ');
      // The detail (file paths, user names) is for the log; /readyz only counts the problems.
      this.#store.refuse(issues.length);
      this.#metrics.configReloads.inc({ result: 'failure' });
      this.#metrics.configReloadFailures.inc();
      this.#logger.error({ reason, issues }, `reload refused, the last good configuration stays in force: ${message}`);
      return 'refused';
    } finally {
      await this.#watch.acknowledge();
    }
    const changed = (Object.keys(next.versions) as Array<keyof Snapshot['versions']>).filter((part) => next.versions[part] !== previous.versions[part]);
    if (changed.length === 0) {
      this.#store.confirm();
      return 'unchanged';
    }
    this.#store.swap(next);
    this.#onSwap(next, previous);
    this.#metrics.configReloads.inc({ result: 'success' });
    this.#logger.info({ reason, changed, users: next.users.size, rules: next.acl.rules.length, kid: next.kid }, 'configuration reloaded');
    return 'reloaded';
  }
}
