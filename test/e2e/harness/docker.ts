import { runCommand, type CommandResult } from './run-command.js';
import { DOCKER, type RunningDockerd } from './start-dockerd.js';

/**
 * Runs `/usr/bin/docker ARGS` against a daemon from startDockerd, with that daemon's DOCKER_CONFIG:
 * nothing from the user's own ~/.docker leaks in, and config.json is the test's to read.
 */
export function docker(daemon: RunningDockerd, args: readonly string[]): Promise<CommandResult> {
  return runCommand(DOCKER, args, {
    env: { PATH: process.env.PATH, HOME: daemon.dir, DOCKER_HOST: daemon.host, DOCKER_CONFIG: daemon.configDir },
    timeoutMs: 120_000,
  });
}
