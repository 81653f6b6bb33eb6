import { freePort } from '../../helpers/free-port.js';
import { makeTempDir } from './make-temp-dir.js';
import { portAccepts, startProcess, type RunningProcess } from './start-process.js';

export interface RunningRedis {
  readonly port: number;
  /** redis://127.0.0.1:PORT */
  readonly url: string;
  stop(): Promise<number | null>;
  /** Starts a new redis-server on the same port (after stop), empty. */
  restart(): Promise<void>;
}

/** A throwaway redis-server (Debian's) on loopback, without persistence. */
export async function startRedis(): Promise<RunningRedis> {
  const port = await freePort();
  const dir = makeTempDir('redis');
  let proc: RunningProcess | undefined;
  const launch = async () => {
    proc = startProcess({
      name: 'redis',
      command: 'redis-server',
      args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      cwd: dir,
      env: { PATH: process.env.PATH },
    });
    await proc.waitUntil(`listening on ${port}`, portAccepts(port));
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: async () => (proc === undefined ? null : proc.stop()),
    restart: launch,
  };
}
