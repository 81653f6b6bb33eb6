import { checkFilterTemplate } from '../authn/ldap/ldap-filter.js';

/** The LDAP identity source (PURSER_LDAP_*); undefined when PURSER_LDAP_URL is not set. */
export interface LdapSettings {
  /** Tried in order (failover). */
  readonly urls: readonly string[];
  readonly startTls: boolean;
  /** PEM CA certificates trusted for the directory; undefined: the system store. */
  readonly caFile: string | undefined;
  /** The service account that searches; undefined: anonymous search. */
  readonly bindDn: string | undefined;
  readonly bindPasswordFile: string | undefined;
  readonly baseDn: string;
  readonly userFilter: string;
  readonly groupAttribute: string;
  /** Search mode: groups are searched with this filter instead of read off the user. */
  readonly groupFilter: string | undefined;
  readonly groupBaseDn: string;
  readonly groupName: string;
  readonly timeoutMs: number;
}

export interface SettingReaders {
  optional(name: string): string | undefined;
  seconds(name: string, fallback: string, min: number): number;
  path(name: string, fallback: string): string;
  fail(name: string, message: string): void;
}

export function ldapSettings(read: SettingReaders): LdapSettings | undefined {
  const urlText = read.optional('PURSER_LDAP_URL');
  if (urlText === undefined) return undefined;
  const urls = urlText.split(',').map((u) => u.trim()).filter(Boolean);
  for (const url of urls) {
    if (!/^ldaps?:\/\/[^/?#\s]+\/?$/.test(url)) read.fail('PURSER_LDAP_URL', `${JSON.stringify(url)} is not an ldap:// or ldaps:// URL (scheme, host and port only)`);
  }
  const startTlsText = read.optional('PURSER_LDAP_STARTTLS') ?? 'false';
  if (startTlsText !== 'true' && startTlsText !== 'false') read.fail('PURSER_LDAP_STARTTLS', 'must be true or false');
  const startTls = startTlsText === 'true';
  if (startTls && urls.some((url) => url.startsWith('ldaps://'))) read.fail('PURSER_LDAP_STARTTLS', 'StartTLS is for ldap:// URLs; ldaps:// is TLS already');
  const bindDn = read.optional('PURSER_LDAP_BIND_DN');
  const bindPasswordFile = read.optional('PURSER_LDAP_BIND_PASSWORD_FILE') === undefined ? undefined : read.path('PURSER_LDAP_BIND_PASSWORD_FILE', '');
  if ((bindDn === undefined) !== (bindPasswordFile === undefined)) {
    read.fail(bindDn === undefined ? 'PURSER_LDAP_BIND_DN' : 'PURSER_LDAP_BIND_PASSWORD_FILE', 'PURSER_LDAP_BIND_DN and PURSER_LDAP_BIND_PASSWORD_FILE must be set together');
  }
  const baseDn = read.optional('PURSER_LDAP_BASE_DN');
  if (baseDn === undefined) read.fail('PURSER_LDAP_BASE_DN', 'is required with PURSER_LDAP_URL: where users are searched');
  const userFilter = read.optional('PURSER_LDAP_USER_FILTER') ?? '(uid={username})';
  const userProblem = checkFilterTemplate(userFilter, ['username']);
  if (userProblem !== undefined) read.fail('PURSER_LDAP_USER_FILTER', userProblem);
  const groupFilter = read.optional('PURSER_LDAP_GROUP_FILTER');
  const groupProblem = groupFilter === undefined ? undefined : checkFilterTemplate(groupFilter, ['dn', 'username']);
  if (groupProblem !== undefined) read.fail('PURSER_LDAP_GROUP_FILTER', groupProblem);
  const groupBaseDn = read.optional('PURSER_LDAP_GROUP_BASE_DN');
  if (groupBaseDn !== undefined && groupFilter === undefined) read.fail('PURSER_LDAP_GROUP_BASE_DN', 'only means something with PURSER_LDAP_GROUP_FILTER');
  const attribute = (name: string, fallback: string): string => {
    const value = read.optional(name) ?? fallback;
    if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(value)) read.fail(name, `${JSON.stringify(value)} is not an attribute name`);
    return value;
  };
  return {
    urls,
    startTls,
    caFile: read.optional('PURSER_LDAP_CA') === undefined ? undefined : read.path('PURSER_LDAP_CA', ''),
    bindDn,
    bindPasswordFile,
    baseDn: baseDn ?? '',
    userFilter,
    groupAttribute: attribute('PURSER_LDAP_GROUP_ATTRIBUTE', 'memberOf'),
    groupFilter,
    groupBaseDn: groupBaseDn ?? baseDn ?? '',
    groupName: attribute('PURSER_LDAP_GROUP_NAME', 'cn'),
    timeoutMs: read.seconds('PURSER_LDAP_TIMEOUT', '5', 1) * 1000,
  };
}
