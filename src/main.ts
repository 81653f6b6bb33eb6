import cluster from 'node:cluster';
import { runPrimary } from './cluster/primary.js';
import { workerMetrics } from './cluster/metrics-ipc.js';
import { loadSettings } from './config/settings.js';
import { createMetrics } from './observe/metrics.js';
import { ConfigError, formatIssue } from './errors.js';
import { createLogger } from './observe/logger.js';
import { startServer } from './server.js';

/**
 * `purser serve`: load settings, start, and shut down cleanly on SIGTERM/SIGINT (stop accepting,
 * finish what is in flight, exit 0). A configuration that cannot be used is reported and the
 * process exits 1 without serving anything.
 */
export async function serve(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Promise<void> {
  let settings;
  try {
    settings = loadSettings(env, cwd);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`purser: invalid settings:\n${err.issues.map((i) => `  ${formatIssue(i)}`).join('\n')}\n`);
    process.exit(1);
  }
  const logger = createLogger(settings.logLevel);
  let running;
  try {
    if (settings.workers > 1 && cluster.isPrimary) {
      await runPrimary(settings, logger);
      return;
    }
    const metrics = createMetrics();
    running = await startServer(settings, { logger, metrics, ...(cluster.isWorker ? { metricsText: workerMetrics(metrics.registry) } : {}) });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    logger.fatal({ issues: err.issues }, 'cannot start: the configuration is invalid');
    process.stderr.write(`purser: cannot start:\n${err.issues.map((i) => `  ${formatIssue(i)}`).join('\n')}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    // The logger writes synchronously, so there is nothing to flush. (pino's flush would also spin
    // forever in sonic-boom's flushSync if stdout's reader had gone: it retries every write error.)
    void running.close().then(() => {
      logger.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: reloading the configuration');
    void running.reload('SIGHUP');
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
