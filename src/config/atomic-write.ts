import { randomBytes } from 'node:crypto';
import { chmod, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces a file's contents atomically: writes a temporary file beside it, flushes it to disk and
 * renames it over the original, so a reader (purser's reload) sees the old file or the new one,
 * never half of either. An existing file keeps its mode (an htpasswd or ACL file the operator made
 * group-readable stays so); a new one gets `mode`.
 */
export async function writeFileAtomic(path: string, data: string, mode = 0o600): Promise<void> {
  let targetMode = mode;
  try {
    targetMode = (await stat(path)).mode & 0o7777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await replaceFile(path, data, targetMode);
}

/**
 * Writes a private key atomically, always with mode 0600, whatever mode the file it replaces had:
 * a key that others can read is a key that others can sign (or serve TLS) with.
 */
export async function writePrivateKeyAtomic(path: string, data: string): Promise<void> {
  await replaceFile(path, data, 0o600);
}

async function replaceFile(path: string, data: string, mode: number): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    // open's mode is narrowed by the umask; chmod sets it exactly.
    await chmod(temp, mode);
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
}
