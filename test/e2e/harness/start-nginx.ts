import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../helpers/free-port.js';
import { makeTempDir } from './make-temp-dir.js';
import { portAccepts, startProcess } from './start-process.js';

export interface RunningNginx {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  stop(): Promise<number | null>;
  output(): string;
}

/**
 * Debian's nginx as a round-robin load balancer in front of `upstreams` (host:port). It connects to
 * them from `bindAddress`, so they can tell the proxy (trusted) from clients (127.0.0.1), and
 * appends the client's address to X-Forwarded-For as a reverse proxy should.
 */
export async function startNginx(upstreams: readonly string[], bindAddress = '127.0.0.2'): Promise<RunningNginx> {
  const dir = makeTempDir('nginx');
  mkdirSync(join(dir, 'logs'));
  const port = await freePort();
  const conf = `
daemon off;
worker_processes 1;
user root;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream purser { ${upstreams.map((u) => `server ${u};`).join(' ')} }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://purser;
      proxy_bind ${bindAddress};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const proc = startProcess({ name: 'nginx', command: 'nginx', args: ['-p', dir, '-c', join(dir, 'nginx.conf')], cwd: dir, env: { PATH: `${process.env.PATH}:/usr/sbin` } });
  await proc.waitUntil(`listening on ${port}`, portAccepts(port));
  return { url: `http://127.0.0.1:${port}`, stop: proc.stop, output: proc.output };
}
