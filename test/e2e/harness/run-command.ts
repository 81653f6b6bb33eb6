import { spawn } from 'node:child_process';

export interface CommandResult {
  /** Exit code; -1 when the command was killed (by signal or timeout) or could not start. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Killed with SIGKILL after this long; the result then has code -1. Default 120 s. */
  readonly timeoutMs?: number;
}

/**
 * Runs a command to completion and returns what it printed. Never throws for a failing command:
 * tests assert on `code` and the output themselves. stdin is closed so nothing can prompt.
 */
export function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      stderr += `\n[harness] ${command} timed out after ${options.timeoutMs ?? 120_000} ms and was killed\n`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 120_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${stderr}\n[harness] could not run ${command}: ${err.message}\n` });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** For assertion messages: the command's exit code and everything it printed. */
export function describeResult(result: CommandResult): string {
  return `exit code ${result.code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
}
