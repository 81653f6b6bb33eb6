import { connect } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { onExit } from './on-exit.js';

export interface ProcessOptions {
  /** A short name used in error messages, e.g. "purser". */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
}

export interface RunningProcess {
  readonly name: string;
  readonly pid: number;
  /** Everything the process printed so far, stdout and stderr interleaved. */
  output(): string;
  /** True once the process has exited. */
  exited(): boolean;
  /**
   * Polls `check` until it returns true. Fails, with the process's output in the message, when
   * the process exits first or `timeoutMs` passes; in both cases the process is stopped.
   */
  waitUntil(what: string, check: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when signalled). */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Starts a long-running process (a server) in its own process group and captures its output.
 * Pair every call with `after(() => proc.stop())`; a process still running when the test process
 * ends (even by Ctrl-C) is killed anyway, so a failing test never leaves one behind.
 */
export function startProcess(options: ProcessOptions): RunningProcess {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let exitCode: number | null = null;
  let hasExited = false;
  let startError: Error | undefined;
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  // Settles once the process has exited and its output is read to the end ('close'); a grandchild
  // still holding the pipes open cannot hold this up for more than a second.
  const exit = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      startError = err;
      hasExited = true;
      resolve();
    });
    child.once('exit', (code) => {
      exitCode = code;
      hasExited = true;
      setTimeout(resolve, 1_000).unref();
    });
    child.once('close', () => resolve());
  });
  // The safety net behind stop(): killed if the test process ends while this is still running.
  onExit(() => killGroup(child, 'SIGKILL'));

  const describe = (what: string): string =>
    `${options.name} (${options.command} ${options.args.join(' ')}) ${what}\n--- ${options.name} output ---\n${out}` +
    (startError ? `\n${startError.message}` : '');

  const stop = async (graceMs = 10_000): Promise<number | null> => {
    if (!hasExited) {
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    }
    return exitCode;
  };

  return {
    name: options.name,
    pid: child.pid ?? -1,
    output: () => out,
    exited: () => hasExited,
    stop,
    async waitUntil(what, check, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (hasExited) throw new Error(describe(`exited with code ${exitCode} before ${what}`));
        if (await check().catch(() => false)) return;
        if (Date.now() > deadline) {
          await stop(1_000);
          throw new Error(describe(`did not get to ${what} within ${timeoutMs} ms`));
        }
        await sleep(100);
      }
    },
  };
}

/** A check for `waitUntil`: true once `url` answers HTTP at all (or with `status`, when given). */
export function urlAnswers(url: string, status?: number): () => Promise<boolean> {
  return async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return status === undefined || response.status === status;
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** A readiness check: something accepts TCP connections on 127.0.0.1:port. */
export function portAccepts(port: number): () => Promise<boolean> {
  return () =>
    new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
}
