import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from './make-temp-dir.js';

export interface ClientSandbox {
  readonly dir: string;
  /** REGISTRY_AUTH_FILE: where `podman login` stores credentials and skopeo/podman read them. */
  readonly authFile: string;
  /** podman's image store (--root) and run state (--runroot). */
  readonly storageRoot: string;
  readonly runRoot: string;
  readonly tmpDir: string;
  /** The environment for skopeo and podman: nothing from the user's own config leaks in. */
  readonly env: NodeJS.ProcessEnv;
}

let sandbox: ClientSandbox | undefined;

/**
 * One throwaway HOME, XDG_RUNTIME_DIR, auth file, registries.conf and podman storage per test
 * process, shared by the skopeo and podman wrappers and removed when the process exits
 * (makeTempDir sees to that).
 */
export function clientSandbox(): ClientSandbox {
  if (sandbox !== undefined) return sandbox;
  const dir = makeTempDir('clients');
  const path = (name: string): string => {
    const full = join(dir, name);
    mkdirSync(full, { recursive: true, mode: 0o700 });
    return full;
  };
  const home = path('home');
  const runtime = path('run');
  const config = path('config');
  const tmpDir = path('tmp');
  const registriesConf = join(dir, 'registries.conf');
  writeFileSync(registriesConf, 'unqualified-search-registries = []\n');
  const authFile = join(dir, 'auth.json');
  writeFileSync(authFile, '{"auths": {}}\n');
  sandbox = {
    dir,
    authFile,
    storageRoot: path('storage'),
    runRoot: path('storage-run'),
    tmpDir,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      XDG_RUNTIME_DIR: runtime,
      XDG_CONFIG_HOME: config,
      TMPDIR: tmpDir,
      REGISTRY_AUTH_FILE: authFile,
      CONTAINERS_REGISTRIES_CONF: registriesConf,
    },
  };
  return sandbox;
}
