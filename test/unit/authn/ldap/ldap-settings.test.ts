import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadSettings } from '../../../../src/config/settings.js';
import { ConfigError } from '../../../../src/errors.js';

const BASE = { PURSER_LDAP_URL: 'ldap://127.0.0.1:389', PURSER_LDAP_BASE_DN: 'dc=example,dc=org' };

function problems(env: Record<string, string>): string[] {
  try {
    loadSettings(env, '/srv/purser');
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

describe('LDAP settings', () => {
  test('unset PURSER_LDAP_URL means no LDAP', () => {
    assert.equal(loadSettings({}, '/srv/purser').ldap, undefined);
  });

  test('the defaults', () => {
    const ldap = loadSettings(BASE, '/srv/purser').ldap;
    assert.deepEqual(ldap, {
      urls: ['ldap://127.0.0.1:389'],
      startTls: false,
      caFile: undefined,
      bindDn: undefined,
      bindPasswordFile: undefined,
      baseDn: 'dc=example,dc=org',
      userFilter: '(uid={username})',
      groupAttribute: 'memberOf',
      groupFilter: undefined,
      groupBaseDn: 'dc=example,dc=org',
      groupName: 'cn',
      timeoutMs: 5000,
    });
  });

  test('several URLs, a service account, a CA and the search mode', () => {
    const ldap = loadSettings(
      {
        ...BASE,
        PURSER_LDAP_URL: 'ldaps://dc1.corp:636, ldaps://dc2.corp:636',
        PURSER_LDAP_BIND_DN: 'cn=purser,ou=services,dc=example,dc=org',
        PURSER_LDAP_BIND_PASSWORD_FILE: 'secrets/ldap-password',
        PURSER_LDAP_CA: 'certs/ldap-ca.crt',
        PURSER_LDAP_USER_FILTER: '(sAMAccountName={username})',
        PURSER_LDAP_GROUP_FILTER: '(member:1.2.840.113556.1.4.1941:={dn})',
        PURSER_LDAP_GROUP_BASE_DN: 'ou=groups,dc=example,dc=org',
        PURSER_LDAP_TIMEOUT: '2',
      },
      '/srv/purser',
    ).ldap;
    assert.deepEqual(ldap?.urls, ['ldaps://dc1.corp:636', 'ldaps://dc2.corp:636']);
    assert.equal(ldap?.bindPasswordFile, '/srv/purser/secrets/ldap-password');
    assert.equal(ldap?.caFile, '/srv/purser/certs/ldap-ca.crt');
    assert.equal(ldap?.groupBaseDn, 'ou=groups,dc=example,dc=org');
    assert.equal(ldap?.timeoutMs, 2000);
  });

  const bad: Array<[string, Record<string, string>, RegExp]> = [
    ['a URL of another scheme', { PURSER_LDAP_URL: 'http://dc1:389' }, /PURSER_LDAP_URL: .*not an ldap:\/\/ or ldaps:\/\/ URL/],
    ['a URL with a path', { PURSER_LDAP_URL: 'ldap://dc1:389/dc=x' }, /PURSER_LDAP_URL/],
    ['StartTLS on ldaps://', { PURSER_LDAP_URL: 'ldaps://dc1:636', PURSER_LDAP_STARTTLS: 'true' }, /PURSER_LDAP_STARTTLS: StartTLS is for ldap:\/\//],
    ['StartTLS not a boolean', { PURSER_LDAP_STARTTLS: 'yes' }, /PURSER_LDAP_STARTTLS: must be true or false/],
    ['a bind DN without a password file', { PURSER_LDAP_BIND_DN: 'cn=purser' }, /PURSER_LDAP_BIND_PASSWORD_FILE: .*set together/],
    ['no base DN', { PURSER_LDAP_BASE_DN: '' }, /PURSER_LDAP_BASE_DN: is required/],
    ['a user filter without {username}', { PURSER_LDAP_USER_FILTER: '(uid=alice)' }, /PURSER_LDAP_USER_FILTER: must contain \{username\}/],
    ['a group filter without {dn} or {username}', { PURSER_LDAP_GROUP_FILTER: '(objectClass=group)' }, /PURSER_LDAP_GROUP_FILTER: must contain \{dn\} or \{username\}/],
    ['a group base without a group filter', { PURSER_LDAP_GROUP_BASE_DN: 'ou=groups,dc=x' }, /PURSER_LDAP_GROUP_BASE_DN: only means something/],
    ['a timeout that is not a duration', { PURSER_LDAP_TIMEOUT: 'soon' }, /PURSER_LDAP_TIMEOUT/],
    ['a bad attribute name', { PURSER_LDAP_GROUP_NAME: 'c n' }, /PURSER_LDAP_GROUP_NAME/],
  ];
  for (const [what, env, message] of bad) {
    test(`refuses ${what}, naming the variable`, () => {
      const found = problems({ ...BASE, ...env });
      assert.ok(found.some((p) => message.test(p)), found.join('\n'));
    });
  }
});
