import { join } from 'node:path';
import { purser } from '../../helpers/cli.js';

export interface TlsFiles {
  /** The server certificate (for localhost and 127.0.0.1) and its key. */
  readonly certFile: string;
  readonly keyFile: string;
  /** The private CA that signed it: what a client must trust. */
  readonly caFile: string;
}

/**
 * `purser certs tls --host localhost --ip 127.0.0.1` in `dir`: a new private CA (dir/ca) and a
 * server certificate it signed. Each call with a new `dir` makes a CA of its own, so a test can
 * hold a certificate that another test's CA never signed.
 */
export async function makeTlsFiles(dir: string): Promise<TlsFiles> {
  const args = ['certs', 'tls', '--host', 'localhost', '--ip', '127.0.0.1', '--dir', join(dir, 'tls'), '--ca-dir', join(dir, 'ca')];
  const result = await purser(args, { cwd: dir });
  if (result.code !== 0) throw new Error(`purser ${args.join(' ')}: exit code ${result.code}\n${result.stdout}${result.stderr}`);
  return { certFile: join(dir, 'tls', 'tls.crt'), keyFile: join(dir, 'tls', 'tls.key'), caFile: join(dir, 'ca', 'ca.crt') };
}
