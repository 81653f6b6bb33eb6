import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onExit } from './on-exit.js';

/**
 * A new empty directory under the system temp dir, e.g. /tmp/purser-e2e-registry-XXXXXX. Whoever
 * made it removes it when done; anything left is removed when the test process exits.
 */
export function makeTempDir(label: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `purser-e2e-${label}-`)));
  onExit(() => rmSync(dir, { recursive: true, force: true, maxRetries: 3 }));
  return dir;
}
