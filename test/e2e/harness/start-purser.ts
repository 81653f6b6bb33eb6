import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcrypt';
import { freePort } from '../../helpers/free-port.js';
import { makeTempDir } from './make-temp-dir.js';
import { startProcess, urlAnswers } from './start-process.js';

/**
 * The repository's compiled CLI (dist/test/e2e/harness → dist/src/cli/purser.js), or the one
 * PURSER_E2E_CLI names: run the suite against another build, e.g. a deliberately broken copy.
 */
const PURSER_CLI =
  process.env.PURSER_E2E_CLI ?? resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../src/cli/purser.js');

export interface PurserOptions {
  /** The text of acl.yml. */
  readonly acl: string;
  /** Users and their plain passwords; written to users.htpasswd as bcrypt hashes. */
  readonly users: Readonly<Record<string, string>>;
  /** Extra PURSER_* variables (PURSER_LISTEN and the file paths are set already). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface RunningPurser {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** The token endpoint, http://127.0.0.1:PORT/auth: the registry's realm. */
  readonly realm: string;
  readonly port: number;
  /** purser's working directory (acl.yml, users.htpasswd, certs/). */
  readonly dir: string;
  /** The signing certificate purser generated on start: the registry's rootcertbundle. */
  readonly certFile: string;
  /** Sends SIGTERM, waits, removes `dir`; resolves with the exit code. */
  stop(): Promise<number | null>;
  output(): string;
}

/** Starts `node dist/src/cli/purser.js serve` in a fresh temp dir and waits for /healthz. */
export async function startPurser(options: PurserOptions): Promise<RunningPurser> {
  const dir = makeTempDir('purser');
  writeFileSync(join(dir, 'acl.yml'), options.acl);
  const htpasswd = Object.entries(options.users).map(([name, password]) => `${name}:${bcrypt.hashSync(password, 4)}\n`);
  writeFileSync(join(dir, 'users.htpasswd'), htpasswd.join(''));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = startProcess({
    name: 'purser',
    command: process.execPath,
    args: [PURSER_CLI, 'serve'],
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      PURSER_LISTEN: `127.0.0.1:${port}`,
      PURSER_LOG_LEVEL: 'info',
      ...options.env,
    },
  });
  try {
    await proc.waitUntil(`answering GET ${url}/healthz`, urlAnswers(`${url}/healthz`, 200));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    realm: `${url}/auth`,
    port,
    dir,
    certFile: join(dir, 'certs', 'token.crt'),
    output: proc.output,
    async stop() {
      const code = await proc.stop();
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}
