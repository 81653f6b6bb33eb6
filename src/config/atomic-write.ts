import { randomBytes } from 'node:crypto';
import { chmod, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces a file's contents atomically: writes a temporary file beside it, flushes it to disk and
 * renames it over the original, so a reader (purser's reload) sees the old file or the new one,
 * never half of either. An existing file keeps its mode; a new one gets `mode`.
 */
export async function writeFileAtomic(path: string, data: string, mode = 0o600): Promise<void> {
  let targetMode = mode;
  try {
    targetMode = (await stat(path)).mode & 0o7777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', targetMode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await chmod(temp, targetMode);
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
}
