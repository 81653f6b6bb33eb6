import { clientSandbox } from './client-sandbox.js';
import { runCommand, type CommandResult } from './run-command.js';

/**
 * Runs `podman ARGS` as root against a throwaway image store: vfs storage under temp --root and
 * --runroot (no overlay mounts needed), cgroupfs, file events, and the sandbox's HOME and auth file.
 */
export function podman(args: readonly string[]): Promise<CommandResult> {
  const box = clientSandbox();
  const global = [
    '--root', box.storageRoot,
    '--runroot', box.runRoot,
    '--storage-driver', 'vfs',
    '--tmpdir', box.tmpDir,
    '--cgroup-manager', 'cgroupfs',
    '--events-backend', 'file',
  ];
  return runCommand('podman', [...global, ...args], { env: box.env, timeoutMs: 90_000 });
}
