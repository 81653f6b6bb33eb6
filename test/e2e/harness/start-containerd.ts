import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from './make-temp-dir.js';
import { runCommand } from './run-command.js';
import { startProcess } from './start-process.js';

export interface RunningContainerd {
  /** The gRPC socket, for `ctr --address`. */
  readonly address: string;
  readonly dir: string;
  stop(): Promise<number | null>;
  output(): string;
}

/**
 * Plugins that need more than a directory (kernel features, a kubelet, a tracing collector).
 * Left on: the content store, metadata, the native snapshotter (plain copies, no mounts), images,
 * leases, and the gRPC services ctr uses.
 */
const DISABLED_PLUGINS = [
  'io.containerd.grpc.v1.cri',
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.overlayfs',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.internal.v1.opt',
  'io.containerd.internal.v1.tracing',
  'io.containerd.tracing.processor.v1.otlp',
];

/**
 * Starts a private containerd (as root, which it needs) with its root, state and sockets in a
 * temp dir and no CRI; waits until `ctr version` gets an answer from it.
 */
export async function startContainerd(): Promise<RunningContainerd> {
  const dir = makeTempDir('containerd');
  const address = join(dir, 'containerd.sock');
  const root = join(dir, 'root');
  const state = join(dir, 'state');
  const config = [
    'version = 2',
    `root = ${JSON.stringify(root)}`,
    `state = ${JSON.stringify(state)}`,
    `disabled_plugins = ${JSON.stringify(DISABLED_PLUGINS)}`,
    '[grpc]',
    `  address = ${JSON.stringify(address)}`,
    '[ttrpc]',
    `  address = ${JSON.stringify(`${address}.ttrpc`)}`,
    '[debug]',
    '  address = ""',
    '[metrics]',
    '  address = ""',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'config.toml'), config);
  const proc = startProcess({
    name: 'containerd',
    command: 'containerd',
    args: ['--config', join(dir, 'config.toml'), '--root', root, '--state', state, '--address', address],
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: dir, TMPDIR: dir },
  });
  const answers = async (): Promise<boolean> =>
    (await runCommand('ctr', ['--address', address, 'version'], { timeoutMs: 5_000 })).code === 0;
  try {
    await proc.waitUntil(`answering ctr version on ${address}`, answers);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    address,
    dir,
    output: proc.output,
    async stop() {
      const code = await proc.stop();
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // A snapshot left mounted would keep the dir busy; the native snapshotter mounts nothing.
      }
      return code;
    },
  };
}
