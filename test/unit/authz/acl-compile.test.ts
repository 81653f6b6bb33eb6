import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileAcl } from '../../../src/authz/acl-compile.js';
import { parseYamlDocument } from '../../../src/config/yaml-document.js';
import { ConfigError, type ConfigIssue } from '../../../src/errors.js';

function issues(text: string): ConfigIssue[] {
  return [...compileAcl(parseYamlDocument(text, '/etc/purser/acl.yml')).issues];
}

describe('ACL load errors name the file, the rule, the field and the line', () => {
  test('an unknown match key is an error, not a silently wider rule', () => {
    const found = issues(`acl:
  - match: {account: admin}
    actions: ["*"]
  - match:
      acount: bob
      name: "bob/*"
    actions: [pull]
`);
    assert.equal(found.length, 1);
    assert.deepEqual(found[0], {
      file: '/etc/purser/acl.yml',
      path: 'acl[1].match.acount',
      line: 5,
      message: 'unknown condition; use account, type, name, service, ip, labels',
    });
  });

  const cases: Array<[string, string, string, RegExp]> = [
    ['unknown rule key', '- {match: {}, actions: [pull], action: [push]}', 'acl[0].action', /unknown key/],
    ['missing match', '- {actions: [pull]}', 'acl[0].match', /is required/],
    ['missing actions', '- {match: {}}', 'acl[0].actions', /is required/],
    ['actions not a list', '- {match: {}, actions: pull}', 'acl[0].actions', /must be a list/],
    ['bad action', '- {match: {}, actions: [Pull]}', 'acl[0].actions', /"Pull" is not an action/],
    ['star with others', '- {match: {}, actions: ["*", pull]}', 'acl[0].actions', /list it alone/],
    ['numeric pattern', '- {match: {account: 1234}, actions: [pull]}', 'acl[0].match.account', /quote it/],
    ['bad regex', '- {match: {name: "/(/"}, actions: [pull]}', 'acl[0].match.name', /invalid regular expression/],
    ['bad glob', '- {match: {name: "a[b"}, actions: [pull]}', 'acl[0].match.name', /unclosed/],
    ['unknown placeholder', '- {match: {name: "${user}/*"}, actions: [pull]}', 'acl[0].match.name', /unknown placeholder/],
    ['bad ip', '- {match: {ip: "10.0.0.0/33"}, actions: [pull]}', 'acl[0].match.ip', /prefix length/],
    ['ip wildcard', '- {match: {ip: "192.168.0.*"}, actions: [pull]}', 'acl[0].match.ip', /not an IP/],
    ['labels not a mapping', '- {match: {labels: admins}, actions: [pull]}', 'acl[0].match.labels', /mapping/],
    ['capture without regex', '- {match: {account: alice, name: "${account:1}/*"}, actions: [pull]}', 'acl[0].match.name', /needs `account` to be a \/regex\//],
    ['capture out of range', '- {match: {account: "/^(a)$/", name: "${account:2}/*"}, actions: [pull]}', 'acl[0].match.name', /only 1 capture group/],
    ['capture of an absent field', '- {match: {name: "${account:1}/*"}, actions: [pull]}', 'acl[0].match.name', /does not match on/],
    ['comment not a string', '- {match: {}, actions: [pull], comment: [x]}', 'acl[0].comment', /must be a string/],
    ['rule not a mapping', '- pull', 'acl[0]', /must be a mapping/],
    ['unknown top-level key', 'acl: []\nusers: []', 'users', /unknown top-level key/],
    ['groups not a mapping', 'acl: []\ngroups: [a]', 'groups', /mapping/],
    ['group members not names', 'acl: []\ngroups: {admins: alice}', 'groups.admins', /list of user names/],
    ['acl not a list', 'acl: {}', 'acl', /list of rules/],
    ['a scalar document', 'hello', '', /list of rules/],
    ['an empty document', '# nothing\n', '', /empty/],
  ];
  for (const [what, text, path, message] of cases) {
    test(`${what}`, () => {
      const found = issues(text);
      assert.equal(found.length, 1, JSON.stringify(found));
      assert.equal(found[0]?.path, path);
      assert.match(found[0]?.message ?? '', message);
      assert.equal(found[0]?.file, '/etc/purser/acl.yml');
    });
  }

  test('every problem is reported, not only the first', () => {
    const found = issues(`
- match: {acount: a}
  actions: [pull]
- match: {}
  actions: [PUSH]
- match: {ip: nope}
  actions: [pull]
`);
    assert.deepEqual(
      found.map((i) => [i.path, i.line]),
      [
        ['acl[0].match.acount', 2],
        ['acl[1].actions', 5],
        ['acl[2].match.ip', 6],
      ],
    );
  });

  test('YAML syntax errors and duplicate keys carry their line', () => {
    assert.throws(
      () => parseYamlDocument('acl:\n  - match: {account: a}\n    actions: [pull\n', 'acl.yml'),
      (err: unknown) => err instanceof ConfigError && err.issues[0]?.line !== undefined && /invalid YAML/.test(err.message),
    );
    assert.throws(
      () => parseYamlDocument('- match: {account: a, account: b}\n  actions: [pull]\n', 'acl.yml'),
      (err: unknown) => err instanceof ConfigError && err.issues[0]?.line === 1 && /duplicated mapping key/.test(err.message),
    );
  });

  // Regex syntax that RE2 (docker_auth's engine) lacks: an issue at the rule's field, never a rule
  // that loads and then matches something else than its author meant.
  const unsupported: Array<[string, string, RegExp]> = [
    ['a backreference', '/^(\\w+)-\\1$/', /^invalid regular expression \/\^\(\\w\+\)-\\1\$\/: backreferences are not supported \(invalid escape sequence: `\\1`\); regexes use Go's RE2 syntax, as in docker_auth$/],
    ['a lookahead', '/^(?=x)/', /^invalid regular expression \/\^\(\?=x\)\/: lookahead is not supported/],
    ['a lookbehind', '/(?<=x)app/', /^invalid regular expression \/\(\?<=x\)app\/: lookbehind is not supported/],
    ['an unclosed group', '/^(team|ops/', /^invalid regular expression \/\^\(team\|ops\/: missing closing \): `\^\(team\|ops`/],
    ['an escape Go refuses', '/^admin\\Z/', /invalid escape sequence: `\\Z`/],
  ];
  for (const [what, pattern, message] of unsupported) {
    test(`${what} in a regex is a load error with file, rule, field and line`, () => {
      const found = issues(`acl:
  - match: {account: admin}
    actions: ["*"]
  - match: {name: "public/**"}
    actions: [pull]
  - match: {account: "/.+/", name: "\${account}/**"}
    actions: [pull, push]
  - match:
      account: bob
      name: '${pattern}'
    actions: [pull]
`);
      assert.equal(found.length, 1, JSON.stringify(found));
      const [issue] = found;
      assert.deepEqual({ ...issue, message: undefined }, { file: '/etc/purser/acl.yml', path: 'acl[3].match.name', line: 10, message: undefined });
      assert.match(issue?.message ?? '', message);
    });
  }

  test('a bad regex in a label condition names the label', () => {
    const found = issues(`- {match: {labels: {group: '/^(?!admins)/'}}, actions: [pull]}`);
    assert.deepEqual(found.map((i) => [i.path, i.line]), [['acl[0].match.labels.group', 1]]);
    assert.match(found[0]?.message ?? '', /lookahead is not supported/);
  });

  test('RE2 syntax that JavaScript lacks loads', () => {
    assert.deepEqual(issues(`
- {match: {name: '/\\Aadmin\\z/'}, actions: []}
- {match: {name: '/^[[:alpha:]]+$/', account: '/(?i)^(?P<user>\\pL+)$/'}, actions: [pull]}
- {match: {name: '/^\\d+\\/\\Qa.b\\E$/'}, actions: [pull]}
`), []);
  });

  test('a valid ACL compiles with no issues', () => {
    assert.deepEqual(issues('- {match: {account: "/^(.+)$/", name: "${account:1}/*", ip: ["::1", "10.0.0.0/8"], labels: {group: x}}, actions: []}'), []);
  });
});
