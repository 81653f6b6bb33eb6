import { readFile, stat } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/** What a stat says about a file's contents: the same state before and after a read means nothing changed it meanwhile. */
export interface FileState {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

export interface SettleOptions {
  /** How long a file must have been left alone before its contents are used; 0 uses them at once. */
  readonly settleMs: number;
  /** Give up (the caller refuses the file) when it has not settled within this long. */
  readonly maxWaitMs: number;
  readonly signal?: AbortSignal;
}

/** A file that kept changing for longer than `maxWaitMs`. */
export class UnsettledFileError extends Error {
  readonly code = 'ERR_FILE_UNSETTLED';
  constructor(waitedMs: number) {
    super(`still being written after ${Math.round(waitedMs / 1000)} s; write it elsewhere and rename it into place`);
    this.name = 'UnsettledFileError';
  }
}

/** Between reads of a file that changed while it was read, when no settle time makes the pause longer. */
const RETRY_MS = 50;

export function sameState(a: FileState, b: FileState): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

/**
 * How long to wait before the bytes read between `before` and `after` may be used; 0 when they may.
 * A writer that truncates a file in place and stalls leaves a valid-looking prefix behind, and
 * nothing in the bytes says so: only that the file was modified a moment ago. So the contents are
 * used when nothing changed them during the read and they are `settleMs` old, by the file's own
 * times or by having been seen unchanged that long (which also covers a file system whose clock is
 * ahead of ours). A writer that stalls for longer than `settleMs` cannot be told from one that finished.
 */
export function settleWait(before: FileState, after: FileState, now: number, stillSince: number, settleMs: number): number {
  if (!sameState(before, after)) return Math.max(settleMs, RETRY_MS);
  if (settleMs === 0) return 0;
  const age = now - Math.max(after.mtimeMs, after.ctimeMs);
  const seen = now - stillSince;
  return Math.max(age, seen) >= settleMs ? 0 : settleMs - Math.max(age, seen, 0);
}

/**
 * Reads a whole file once it has settled (see settleWait), reading it again as often as it takes.
 * Errors from the file system (ENOENT, EACCES) are thrown as they are; a file that has not
 * settled within `maxWaitMs` throws UnsettledFileError.
 */
export async function readSettled(file: string, options: SettleOptions): Promise<Buffer> {
  const started = Date.now();
  let seen: FileState | undefined;
  let stillSince = started;
  for (;;) {
    const before = await stat(file);
    const data = await readFile(file, options.signal === undefined ? {} : { signal: options.signal });
    const after = await stat(file);
    const now = Date.now();
    if (seen === undefined || !sameState(seen, after)) stillSince = now;
    seen = after;
    const wait = settleWait(before, after, now, stillSince, options.settleMs);
    if (wait === 0) return data;
    if (now + wait - started > options.maxWaitMs) throw new UnsettledFileError(now - started);
    await delay(wait, undefined, options.signal === undefined ? {} : { signal: options.signal });
  }
}
