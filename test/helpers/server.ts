import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSettings } from '../../src/config/settings.js';
import { createLogger, type Logger } from '../../src/observe/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { tempDir } from './cli.js';
import { signingPair } from './keys.js';
import { TEST_ACL, TEST_USERS } from './snapshot.js';
import { htpasswdFor } from './users.js';

export interface FileServer extends RunningServer {
  readonly dir: string;
  readonly url: string;
  write(name: string, text: string): void;
  stop(): Promise<void>;
}

/**
 * The real server (startServer) on real files in a temporary directory, with the reloader running.
 * Files are used as soon as they are written (PURSER_RELOAD_SETTLE=0) unless `env` says otherwise:
 * the tests write them whole, and a settle time would slow every reload down.
 */
export async function startFileServer(
  options: { acl?: string; users?: Record<string, string>; env?: Record<string, string>; logger?: Logger; before?: (dir: string) => Promise<void> } = {},
): Promise<FileServer> {
  const { dir, cleanup } = tempDir('purser-server-');
  mkdirSync(join(dir, 'certs'));
  const pair = signingPair();
  const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
  write('acl.yml', options.acl ?? TEST_ACL);
  write('users.htpasswd', htpasswdFor(options.users ?? TEST_USERS));
  write('certs/token.key', pair.keyPem);
  write('certs/token.crt', pair.certPem);
  await options.before?.(dir);
  const settings = loadSettings({ PURSER_LISTEN: '127.0.0.1:0', PURSER_RELOAD_INTERVAL: '1', PURSER_RELOAD_SETTLE: '0', ...options.env }, dir);
  const running = await startServer(settings, { logger: options.logger ?? createLogger('silent') });
  const scheme = settings.tlsCertFile === undefined ? 'http' : 'https';
  return {
    ...running,
    dir,
    url: `${scheme}://127.0.0.1:${running.port}`,
    write,
    async stop() {
      await running.close();
      cleanup();
    },
  };
}
