import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../test/helpers/free-port.js';

export interface PurserProcess {
  readonly url: string;
  readonly pid: number;
  /** The last lines the server wrote to stdout and stderr. */
  output(): string;
  /** SIGTERM, then wait for the exit (SIGKILL after 15 s); resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface PurserLaunch {
  /** The purser CLI (dist/src/cli/purser.js). */
  readonly server: string;
  /** The server's working directory, holding acl.yml and users.htpasswd. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Flags for node itself, e.g. --cpu-prof. */
  readonly nodeArgs?: readonly string[];
}

/**
 * Starts `node <server> serve` on a free loopback port and resolves once /healthz answers 200.
 * The settings are PURSER_* variables: the caller's, plus PURSER_LISTEN.
 */
export async function startPurser(launch: PurserLaunch): Promise<PurserProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...(launch.nodeArgs ?? []), launch.server, 'serve'], {
    cwd: launch.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...launch.env, PURSER_LISTEN: `127.0.0.1:${port}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString()).slice(-8192);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let exitCode: number | null | undefined;
  void exited.then(([code]) => {
    exitCode = code;
  });

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`purser exited with ${exitCode} before it was healthy:\n${tail}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`purser was not healthy after 60 s:\n${tail}`);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    url,
    pid: child.pid as number,
    output: () => tail,
    stop: async () => {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const [code] = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

