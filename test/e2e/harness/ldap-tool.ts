import { runCommand, type CommandResult } from './run-command.js';

export interface LdapToolOptions {
  /** The CA that TLS connections (ldaps://, -ZZ) must verify the server against. */
  readonly caFile?: string;
  /** Default 15 s. */
  readonly timeoutMs?: number;
}

/**
 * Runs one of OpenLDAP's clients (ldapsearch, ldapwhoami, ldapmodify, ...) with only the
 * environment the test gives it: no ~/.ldaprc, and a server certificate always checked against
 * `caFile` (LDAPTLS_REQCERT=demand), never against the system's CA bundle that
 * /etc/ldap/ldap.conf names.
 */
export function ldapTool(tool: string, args: readonly string[], options: LdapToolOptions = {}): Promise<CommandResult> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: '/nonexistent', LDAPTLS_REQCERT: 'demand' };
  env.LDAPTLS_CACERT = options.caFile ?? '/nonexistent/ca.crt';
  return runCommand(tool, args, { env, timeoutMs: options.timeoutMs ?? 15_000 });
}
