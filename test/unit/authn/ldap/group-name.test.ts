import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { groupNameFromDn } from '../../../../src/authn/ldap/group-name.js';

describe('a directory group DN becomes a label', () => {
  const cases: Array<[string, string, string, string]> = [
    ['the cn of the first RDN', 'cn=developers,ou=groups,dc=example,dc=org', 'cn', 'developers'],
    ['attribute types are case-insensitive', 'CN=Domain Admins,CN=Users,DC=corp,DC=example', 'cn', 'Domain Admins'],
    ['an escaped comma stays in the name', 'cn=R\\,D,ou=groups,dc=x', 'cn', 'R,D'],
    ['hex escapes are UTF-8', 'cn=Entwicklung \\C3\\BCber,dc=x', 'cn', 'Entwicklung über'],
    ['another attribute, as configured', 'ou=ops,dc=x', 'ou', 'ops'],
    ['a first RDN of another type keeps the whole DN', 'ou=ops,dc=x', 'cn', 'ou=ops,dc=x'],
    ['a multi-valued RDN keeps the whole DN', 'cn=a+uid=b,dc=x', 'cn', 'cn=a+uid=b,dc=x'],
    ['a single RDN', 'cn=solo', 'cn', 'solo'],
  ];
  for (const [what, dn, attribute, name] of cases) test(what, () => assert.equal(groupNameFromDn(dn, attribute), name));
});
