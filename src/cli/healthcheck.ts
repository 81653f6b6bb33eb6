import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { loadSettings } from '../config/settings.js';
import type { Command } from './command.js';

/**
 * `purser healthcheck`: asks the local server's /healthz, on the port and scheme its settings name.
 * The container HEALTHCHECK runs it, so the image needs no curl. Exit 0 when healthy, 1 otherwise.
 */
export const healthcheckCommand: Command = {
  name: 'healthcheck',
  summary: 'exit 0 if the local server answers /healthz (for container health checks)',
  help: `Usage: purser healthcheck

Asks the server on this machine for /healthz, on the port and scheme PURSER_LISTEN and PURSER_TLS_CERT
give, and exits 0 if it answers 200, 1 otherwise. The container image's HEALTHCHECK runs it.
`,
  options: {},
  positionals: { min: 0, max: 0 },
  run: (_args, io) => healthcheck(io.env, io.cwd),
};

async function healthcheck(env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const settings = loadSettings(env, cwd);
  const { host, port } = settings.listen;
  const target = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  const tls = settings.tlsCertFile !== undefined;
  const get = tls ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = get(
      { host: target, port, path: '/healthz', timeout: 3000, ...(tls ? { rejectUnauthorized: false } : {}) },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200 ? 0 : 1);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(1));
    req.end();
  });
}
