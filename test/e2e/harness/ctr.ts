import { runCommand, type CommandResult } from './run-command.js';

/** The containerd namespace every e2e ctr command works in. */
export const CTR_NAMESPACE = 'purser-e2e';

/** Runs `ctr --address SOCKET --namespace purser-e2e ARGS` against a containerd from startContainerd. */
export function ctr(containerd: { readonly address: string }, args: readonly string[]): Promise<CommandResult> {
  return runCommand('ctr', ['--address', containerd.address, '--namespace', CTR_NAMESPACE, ...args], {
    timeoutMs: 90_000,
  });
}
