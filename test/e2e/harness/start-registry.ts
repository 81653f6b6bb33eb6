import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../helpers/free-port.js';
import { makeTempDir } from './make-temp-dir.js';
import { portAccepts, startProcess, urlAnswers } from './start-process.js';

export interface RegistryOptions {
  /** purser's token endpoint, e.g. http://127.0.0.1:5001/auth. */
  readonly realm: string;
  /** purser's signing certificate. */
  readonly rootCertBundle: string;
  readonly service?: string;
  readonly issuer?: string;
  /** Serve HTTPS with this certificate and key (http.tls). */
  readonly tls?: { readonly certificate: string; readonly key: string };
}

export interface RunningRegistry {
  /** 127.0.0.1:PORT, as image references want it. */
  readonly host: string;
  /** http://127.0.0.1:PORT, or https:// with tls. */
  readonly url: string;
  /** The config.yml the registry runs with. */
  readonly configFile: string;
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
    http: { addr: host, secret: 'purser-e2e-not-a-secret', ...(options.tls === undefined ? {} : { tls: options.tls }) },
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
  const url = `${options.tls === undefined ? 'http' : 'https'}://${host}`;
  try {
    // fetch does not trust a private CA, so a TLS registry is ready when its port accepts connections.
    const ready = options.tls === undefined ? urlAnswers(`${url}/v2/`) : portAccepts(port);
    await proc.waitUntil(`answering on ${url}`, ready);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    host,
    url,
    configFile: join(dir, 'config.yml'),
    output: proc.output,
    async stop() {
      const code = await proc.stop();
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}
