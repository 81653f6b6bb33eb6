import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../helpers/free-port.js';
import { deleteLdif } from './ldif.js';
import { ldapTool } from './ldap-tool.js';
import { makeTempDir } from './make-temp-dir.js';
import { describeResult, type CommandResult } from './run-command.js';
import { startProcess, type RunningProcess } from './start-process.js';
import { makeTlsFiles, type TlsFiles } from './tls-files.js';

export interface SlapdOptions {
  /** LDIF content records loaded with ldapadd as the rootdn once slapd answers (parents first). */
  readonly ldif: string;
  /** The suffix of the one database; default dc=example,dc=org. */
  readonly baseDn?: string;
  /** The DN allowed to read every entry (never a password); default cn=purser,ou=services,BASE. */
  readonly serviceDn?: string;
  /** Let anonymous clients search and read entries too (never passwords). Default: they see nothing. */
  readonly anonymousSearch?: boolean;
  /** The server certificate; default a new one from `purser certs tls` and a CA of its own. */
  readonly tls?: TlsFiles;
}

export interface RunningSlapd {
  /** ldap://127.0.0.1:PORT (plain; StartTLS is offered on it). */
  readonly url: string;
  /** ldaps://127.0.0.1:PORT2 */
  readonly ldapsUrl: string;
  readonly port: number;
  readonly ldapsPort: number;
  /** The CA that signed slapd's certificate. */
  readonly caFile: string;
  readonly baseDn: string;
  readonly rootDn: string;
  readonly rootPassword: string;
  /** slapd.conf, the database (db/) and the TLS files. */
  readonly dir: string;
  /** Stops slapd (SIGTERM); the data stays for restart(). */
  stop(): Promise<number | null>;
  /** Stops slapd if it runs and starts it again on the same ports with the same data. */
  restart(): Promise<void>;
  /** Freezes slapd (SIGSTOP): connections are accepted by the kernel and never answered. */
  pause(): void;
  /** Undoes pause() (SIGCONT). */
  resume(): void;
  /** Applies LDIF change records (changetype: add/modify/delete) with ldapmodify as the rootdn. */
  modify(ldif: string): Promise<void>;
  /** Adds LDIF content records with ldapmodify -a as the rootdn. */
  add(ldif: string): Promise<void>;
  delete(dn: string): Promise<void>;
  /** Runs ldapsearch -x -LLL ARGS against `url` (or the -H given in ARGS), verifying TLS with caFile. */
  search(args: readonly string[]): Promise<CommandResult>;
  /** Everything slapd printed (-d stats: every connection, bind, search and result), across restarts. */
  output(): string;
}

/** The schemas inetOrgPerson, groupOfNames and posixGroup need, from Debian's slapd package. */
const SCHEMAS = ['core', 'cosine', 'inetorgperson', 'nis'];

/**
 * Starts Debian's slapd (OpenLDAP 2.5) on 127.0.0.1 in the foreground, from a slapd.conf and an
 * mdb database of its own in a temp dir: ldap:// with StartTLS and ldaps://, the memberof overlay
 * keeping each member's memberOf in step with groupOfNames (refint: a deleted user leaves its
 * groups). Loads `ldif` as the rootdn and resolves once slapd answers on both ports.
 * It runs as root here (no -u) and in its own process group, so it dies with the test.
 */
export async function startSlapd(options: SlapdOptions): Promise<RunningSlapd> {
  const dir = makeTempDir('slapd');
  const baseDn = options.baseDn ?? 'dc=example,dc=org';
  const serviceDn = options.serviceDn ?? `cn=purser,ou=services,${baseDn}`;
  const rootDn = `cn=admin,${baseDn}`;
  const rootPassword = 'slapd-root-secret';
  const tls = options.tls ?? (await makeTlsFiles(dir));
  mkdirSync(join(dir, 'db'), { mode: 0o700 });
  const anonymous = options.anonymousSearch === true ? ['  by anonymous read'] : [];
  const config = [
    ...SCHEMAS.map((schema) => `include /etc/ldap/schema/${schema}.schema`),
    `pidfile ${join(dir, 'slapd.pid')}`,
    `argsfile ${join(dir, 'slapd.args')}`,
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'moduleload memberof',
    `TLSCACertificateFile ${tls.caFile}`,
    `TLSCertificateFile ${tls.certFile}`,
    `TLSCertificateKeyFile ${tls.keyFile}`,
    'database mdb',
    `suffix "${baseDn}"`,
    `rootdn "${rootDn}"`,
    `rootpw ${rootPassword}`,
    `directory ${join(dir, 'db')}`,
    'maxsize 67108864',
    'overlay memberof',
    'memberof-group-oc groupOfNames',
    'memberof-member-ad member',
    'memberof-memberof-ad memberOf',
    'memberof-refint TRUE',
    // A password is compared at bind and never read; the service account reads everything else,
    // a user reads only their own entry, and anonymous clients only bind.
    'access to attrs=userPassword',
    '  by self write',
    '  by anonymous auth',
    '  by * none',
    'access to *',
    `  by dn.exact="${serviceDn}" read`,
    '  by self read',
    ...anonymous,
    '  by * none',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'slapd.conf'), config);

  const port = await freePort();
  const ldapsPort = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = `ldaps://127.0.0.1:${ldapsPort}`;
  let proc: RunningProcess | undefined;
  let paused = false;
  let earlier = '';

  const launch = async (): Promise<void> => {
    proc = startProcess({
      name: 'slapd',
      command: '/usr/sbin/slapd',
      args: ['-f', join(dir, 'slapd.conf'), '-h', `${url}/ ${ldapsUrl}/`, '-d', 'stats'],
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir },
    });
    const answers = (target: string) => async (): Promise<boolean> =>
      (await ldapTool('ldapwhoami', ['-x', '-H', target], { caFile: tls.caFile, timeoutMs: 5_000 })).code === 0;
    await proc.waitUntil(`answering ldapwhoami on ${url}`, answers(url));
    await proc.waitUntil(`answering ldapwhoami on ${ldapsUrl}`, answers(ldapsUrl));
  };
  const signal = (name: 'SIGSTOP' | 'SIGCONT'): void => {
    if (proc === undefined || proc.exited()) throw new Error('slapd is not running');
    process.kill(proc.pid, name);
    paused = name === 'SIGSTOP';
  };
  const stop = async (): Promise<number | null> => {
    if (proc === undefined) return null;
    if (paused && !proc.exited()) signal('SIGCONT');
    const code = await proc.stop();
    earlier += proc.output();
    proc = undefined;
    return code;
  };
  let changes = 0;
  const asRoot = async (ldif: string, extra: readonly string[]): Promise<void> => {
    changes += 1;
    const file = join(dir, `change-${changes}.ldif`);
    writeFileSync(file, ldif);
    const result = await ldapTool('ldapmodify', ['-x', '-H', url, '-D', rootDn, '-w', rootPassword, ...extra, '-f', file]);
    if (result.code !== 0) throw new Error(`ldapmodify ${extra.join(' ')} -f ${file} as ${rootDn}: ${describeResult(result)}\n--- LDIF ---\n${ldif}`);
  };

  await launch();
  await asRoot(options.ldif, ['-a']);
  return {
    url,
    ldapsUrl,
    port,
    ldapsPort,
    caFile: tls.caFile,
    baseDn,
    rootDn,
    rootPassword,
    dir,
    stop,
    async restart() {
      await stop();
      await launch();
    },
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    modify: (ldif) => asRoot(ldif, []),
    add: (ldif) => asRoot(ldif, ['-a']),
    delete: (dn) => asRoot(deleteLdif(dn), []),
    search: (args) => ldapTool('ldapsearch', ['-x', '-LLL', ...(args.includes('-H') ? [] : ['-H', url]), ...args], { caFile: tls.caFile }),
    output: () => earlier + (proc?.output() ?? ''),
  };
}
