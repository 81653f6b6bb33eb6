import { constants } from 'node:os';

const tasks: Array<() => void> = [];

/**
 * Runs `task` (synchronously) when the test process ends: normally, by process.exit, or by
 * SIGINT/SIGTERM/SIGHUP (Ctrl-C, a runner's cancel). Tasks run last-registered first, so a server
 * is killed before the directory it was started in is removed. The safety net behind after().
 */
export function onExit(task: () => void): void {
  tasks.push(task);
}

function runAll(): void {
  for (const task of tasks.splice(0).reverse()) {
    try {
      task();
    } catch {
      // Best effort: one failed clean-up must not stop the others.
    }
  }
}

process.once('exit', runAll);
// The servers run in their own process groups, so a Ctrl-C reaches only this process: clean up,
// then exit with the conventional 128 + signal number.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => process.exit(128 + constants.signals[signal]));
}
