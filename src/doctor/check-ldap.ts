import { Directory, DirectoryUnavailableError } from '../authn/ldap/directory.js';
import type { LdapSettings } from '../config/ldap-settings.js';
import { ok, type Finding } from './finding.js';

/** A name no directory holds: looking it up proves the connection, TLS and the service account. */
const PROBE = 'purser-doctor-probe-0f6b2c';

/**
 * `purser doctor` on the directory: it answers at one of PURSER_LDAP_URL, its certificate is
 * verified (StartTLS or ldaps://), the service account binds and can search; with a user name,
 * that the user is found exactly once and which groups purser would see.
 */
export async function checkLdap(settings: LdapSettings, user: string | undefined): Promise<Finding[]> {
  const directory = new Directory(settings);
  const findings: Finding[] = [];
  const tls = settings.startTls ? 'StartTLS, certificate verified' : settings.urls.every((u) => u.startsWith('ldaps://')) ? 'TLS, certificate verified' : 'no TLS: passwords cross the network in the clear';
  try {
    await directory.findUser(PROBE);
    findings.push(ok(`the LDAP directory answers (${settings.urls.join(', ')}; ${tls}); ${settings.bindDn === undefined ? 'anonymous search works' : `the service account ${settings.bindDn} binds and searches`}`));
    if (!settings.startTls && !settings.urls.every((u) => u.startsWith('ldaps://'))) {
      findings.push({ level: 'warn', what: 'the directory is reached without TLS: directory passwords cross the network in the clear', fix: 'use ldaps:// URLs or PURSER_LDAP_STARTTLS=true, with PURSER_LDAP_CA' });
    }
    if (user !== undefined) {
      const search = await directory.findUser(user);
      if (search.found === undefined) {
        findings.push({
          level: 'error',
          what: `PURSER_LDAP_USER_FILTER ${settings.userFilter} finds ${search.why === 'none' ? 'no entry' : 'several entries'} for ${JSON.stringify(user)} under ${settings.baseDn}`,
          fix: search.why === 'none' ? 'check PURSER_LDAP_BASE_DN and PURSER_LDAP_USER_FILTER, and that the service account may read the user' : 'make the filter match exactly one entry per user',
        });
      } else {
        const groups = search.found.groups.length > 0 ? search.found.groups.join(', ') : 'none';
        findings.push(ok(`${JSON.stringify(user)} is ${search.found.dn}; purser would give it the groups: ${groups}`));
      }
    }
  } catch (err) {
    if (!(err instanceof DirectoryUnavailableError)) throw err;
    findings.push({
      level: 'error',
      what: `the LDAP directory cannot be used: ${err.message}`,
      fix: 'check PURSER_LDAP_URL (reachable from here?), PURSER_LDAP_CA (does it hold the CA that signed the directory certificate, for the host name in the URL?), PURSER_LDAP_BIND_DN and the password in PURSER_LDAP_BIND_PASSWORD_FILE',
    });
  } finally {
    await directory.close();
  }
  return findings;
}
