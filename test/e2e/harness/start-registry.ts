import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { makeTempDir } from './make-temp-dir.js';
import { startProcess, urlAnswers } from './start-process.js';

export interface RegistryOptions {
  /** purser's token endpoint, e.g. http://127.0.0.1:5001/auth. */
  readonly realm: string;
  /** purser's signing certificate. */
  readonly rootCertBundle: string;
  readonly service?: string;
  readonly issuer?: string;
}

export interface RunningRegistry {
  /** 127.0.0.1:PORT, as image references want it. */
  readonly host: string;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  stop(): Promise<number | null>;
  output(): string;
}

/**
 * Starts the distribution registry (`docker-registry serve`, 2.8) on loopback with filesystem
 * storage in a temp dir, deletes enabled, and token auth pointing at purser.
 */
export async function startRegistry(options: RegistryOptions): Promise<RunningRegistry> {
  const dir = makeTempDir('registry');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = {
    version: 0.1,
    log: { level: 'info', accesslog: { disabled: false } },
    storage: { filesystem: { rootdirectory: join(dir, 'data') }, delete: { enabled: true } },
    http: { addr: host, secret: 'purser-e2e-not-a-secret' },
    auth: {
      token: {
        realm: options.realm,
        service: options.service ?? 'Docker registry',
        issuer: options.issuer ?? 'purser',
        rootcertbundle: options.rootCertBundle,
      },
    },
  };
  // JSON is YAML, so no YAML writer is needed.
  writeFileSync(join(dir, 'config.yml'), JSON.stringify(config, null, 2));
  const proc = startProcess({
    name: 'registry',
    command: 'docker-registry',
    args: ['serve', join(dir, 'config.yml')],
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: dir },
  });
  const url = `http://${host}`;
  try {
    await proc.waitUntil(`answering GET ${url}/v2/`, urlAnswers(`${url}/v2/`));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    host,
    url,
    output: proc.output,
    async stop() {
      const code = await proc.stop();
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}
