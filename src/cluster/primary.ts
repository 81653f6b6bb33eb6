import cluster, { type Worker } from 'node:cluster';
import type { Settings } from '../config/settings.js';
import { buildSnapshot } from '../config/snapshot.js';
import { ensureSigningKey, readSources } from '../config/source-files.js';
import { registrySnippet } from '../config/registry-snippet.js';
import type { Logger } from '../observe/logger.js';
import { serveWorkerMetrics } from './metrics-ipc.js';

/**
 * PURSER_WORKERS > 1: this process forks the workers, which share the listening port (Node's
 * cluster module) and each run the whole server, reloader included. The primary does the one-time
 * work first: it makes the signing key if none exists (once, not in a race between workers) and
 * checks that the configuration loads, so a bad one stops the start with a clear message instead
 * of a crash loop. It forwards SIGHUP (reload) and SIGTERM/SIGINT (stop) to every worker, replaces
 * a worker that dies, and adds up the workers' metrics for /metrics.
 */
export async function runPrimary(settings: Settings, logger: Logger): Promise<void> {
  if (await ensureSigningKey(settings)) {
    logger.warn({ cert: settings.signingCertFile }, `made a new signing key and certificate. Give the registry this certificate and configuration:\n${registrySnippet(settings)}`);
  }
  buildSnapshot(settings, await readSources(settings));
  serveWorkerMetrics();

  let stopping = false;
  const restarts: number[] = [];
  const fork = (): Worker => cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const now = Date.now();
    restarts.push(now);
    while (restarts.length > 0 && (restarts[0] as number) < now - 60_000) restarts.shift();
    logger.error({ worker: worker.process.pid, code, signal }, 'a worker died; starting another');
    // Back off when workers keep dying (a bad file read by the worker, say), rather than spin.
    setTimeout(fork, restarts.length > 5 ? 5000 : 100).unref();
  });
  for (let i = 0; i < settings.workers; i++) fork();
  logger.info({ workers: settings.workers }, 'started workers');

  const each = (signal: NodeJS.Signals): void => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: every worker reloads');
    each('SIGHUP');
  });
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down the workers');
    each('SIGTERM');
    const done = (): void => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    };
    cluster.on('exit', done);
    done();
    setTimeout(() => process.exit(0), (settings.shutdownTimeout + 5) * 1000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
