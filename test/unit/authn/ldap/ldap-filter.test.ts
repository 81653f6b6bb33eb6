import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkFilterTemplate, escapeFilterValue, fillFilter } from '../../../../src/authn/ldap/ldap-filter.js';

describe('LDAP filter escaping (RFC 4515 section 3)', () => {
  const cases: Array<[string, string, string]> = [
    // RFC 4515's own examples, as values
    ['parentheses', 'Parens R Us (for all your parenthetical needs)', 'Parens R Us \\28for all your parenthetical needs\\29'],
    ['an asterisk', '*', '\\2a'],
    ['a backslash', 'C:\\MyFile', 'C:\\5cMyFile'],
    ['NUL', 'a\0b', 'a\\00b'],
    ['UTF-8 stays as it is', 'Lučić', 'Lučić'],
    // what an attacker types as a user name
    ['a filter break-out', 'a)(uid=*', 'a\\29\\28uid=\\2a'],
    ['an escape typed literally', '\\2a', '\\5c2a'],
    ['an OR injection', '*)(|(objectClass=*', '\\2a\\29\\28|\\28objectClass=\\2a'],
  ];
  for (const [what, value, escaped] of cases) test(what, () => assert.equal(escapeFilterValue(value), escaped));

  test('a filled template holds the name only as a literal value', () => {
    assert.equal(fillFilter('(uid={username})', { username: 'a)(uid=*' }), '(uid=a\\29\\28uid=\\2a)');
    assert.equal(fillFilter('(&(objectClass=groupOfNames)(member={dn}))', { dn: 'cn=a\\,b,dc=x' }), '(&(objectClass=groupOfNames)(member=cn=a\\5c,b,dc=x))');
    assert.equal(fillFilter('(|(uid={username})(mail={username}))', { username: '*' }), '(|(uid=\\2a)(mail=\\2a))');
  });

  const templates: Array<[string, string[], RegExp | undefined]> = [
    ['(uid={username})', ['username'], undefined],
    ['(sAMAccountName={username})', ['username'], undefined],
    ['(member:1.2.840.113556.1.4.1941:={dn})', ['dn', 'username'], undefined],
    ['uid={username}', ['username'], /parentheses/],
    ['(uid={username}', ['username'], /parentheses|unbalanced/],
    ['(uid={username}))(x)', ['username'], /unbalanced/],
    ['(uid=alice)', ['username'], /must contain \{username\}/],
  ];
  for (const [template, needs, problem] of templates) {
    test(`template ${template}`, () => {
      const found = checkFilterTemplate(template, needs);
      if (problem === undefined) assert.equal(found, undefined);
      else assert.match(found ?? '', problem);
    });
  }
});
