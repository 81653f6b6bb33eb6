import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from './make-temp-dir.js';
import { onExit } from './on-exit.js';
import { runCommand } from './run-command.js';
import { startContainerd } from './start-containerd.js';
import { startProcess } from './start-process.js';

/** Debian's docker.io (20.10). Some PATHs find another, newer client first (/usr/local/bin/docker). */
export const DOCKER = '/usr/bin/docker';
export const DOCKERD = '/usr/sbin/dockerd';

export interface RunningDockerd {
  /** unix:///…/docker.sock, for DOCKER_HOST. */
  readonly host: string;
  /** DOCKER_CONFIG for the clients of this daemon: `docker login` writes config.json here. */
  readonly configDir: string;
  readonly dir: string;
  stop(): Promise<number | null>;
  output(): string;
}

/**
 * No bridge, no iptables or forwarding rules, no proxies: the daemon changes nothing in the host's
 * network. It never runs a container; it imports, pushes and pulls images.
 */
const HOST_UNTOUCHED = [
  '--iptables=false',
  '--ip-forward=false',
  '--ip-masq=false',
  '--bridge=none',
  '--ipv6=false',
  '--userland-proxy=false',
];

/**
 * Starts a private Docker daemon as root: vfs storage (plain copies, no overlay mounts), its data
 * root, pid file and socket in a temp dir, and waits until `docker version` gets an answer from it.
 *
 * dockerd runs in a mount namespace of its own (`unshare --mount`): it bind-mounts its data root
 * onto itself to make it a shared mount, and a daemon killed before it undoes that would leave the
 * mount on the host. It is handed a containerd of its own too: left to itself, dockerd uses the
 * host's containerd whenever /run/containerd/containerd.sock exists, and starts one only when not.
 */
export async function startDockerd(): Promise<RunningDockerd> {
  const containerd = await startContainerd();
  const dir = makeTempDir('dockerd');
  // exec-root holds unix sockets, whose paths the kernel limits to 108 bytes: keep it short,
  // whatever TMPDIR is.
  const execRoot = mkdtempSync('/tmp/pd-');
  onExit(() => rmSync(execRoot, { recursive: true, force: true, maxRetries: 3 }));
  const configDir = join(dir, 'client-config');
  mkdirSync(configDir, { mode: 0o700 });
  const host = `unix://${join(dir, 'docker.sock')}`;
  const proc = startProcess({
    name: 'dockerd',
    command: 'unshare',
    args: [
      '--mount', '--propagation', 'private', DOCKERD,
      ...HOST_UNTOUCHED,
      '--storage-driver=vfs',
      `--containerd=${containerd.address}`,
      `--data-root=${join(dir, 'data')}`,
      `--exec-root=${execRoot}`,
      `--pidfile=${join(dir, 'docker.pid')}`,
      `--host=${host}`,
      '--log-level=warn',
    ],
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: dir },
  });
  const cleanUp = async (): Promise<void> => {
    await containerd.stop();
    rmSync(execRoot, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  };
  const answers = async (): Promise<boolean> =>
    (await runCommand(DOCKER, ['version'], { env: { DOCKER_HOST: host, DOCKER_CONFIG: configDir }, timeoutMs: 5_000 })).code === 0;
  try {
    await proc.waitUntil(`answering docker version on ${host}`, answers, 60_000);
  } catch (err) {
    await cleanUp();
    throw err;
  }
  return {
    host,
    configDir,
    dir,
    output: proc.output,
    async stop() {
      const code = await proc.stop();
      await cleanUp();
      return code;
    },
  };
}
