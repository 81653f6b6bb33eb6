import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AccessRequest, Labels } from '../../../src/auth.js';
import { compileAcl } from '../../../src/authz/acl-compile.js';
import type { Acl } from '../../../src/authz/acl.js';
import { parseScope } from '../../../src/authz/scope.js';
import { parseYamlDocument } from '../../../src/config/yaml-document.js';

function acl(text: string): Acl {
  const compiled = compileAcl(parseYamlDocument(text, 'acl.yml'));
  assert.deepEqual(compiled.issues, []);
  return compiled.acl as Acl;
}

function request(account: string, over: Partial<AccessRequest> = {}): AccessRequest {
  return { account, ip: '192.0.2.10', service: 'Docker registry', labels: new Map(), ...over };
}

/** The granted actions and deciding rule for one scope. */
function decide(rules: Acl, account: string, scope: string, over: Partial<AccessRequest> = {}): [string[], number | null] {
  const labels: Labels = over.labels ?? rules.labelsFor(account);
  const decision = rules.authorize(request(account, { ...over, labels }), parseScope(scope));
  return [[...decision.granted], decision.rule?.index ?? null];
}

describe('rule order and default deny', () => {
  const rules = acl(`
- match: {account: alice, name: "alice/secret"}
  actions: []
  comment: explicit deny first
- match: {account: alice}
  actions: [pull, push]
- match: {account: bob, name: "shared/*"}
  actions: [pull]
`);
  test('the first matching rule decides, even when it denies', () => {
    assert.deepEqual(decide(rules, 'alice', 'repository:alice/secret:pull'), [[], 0]);
    assert.deepEqual(decide(rules, 'alice', 'repository:alice/app:pull,push'), [['pull', 'push'], 1]);
  });
  test('no matching rule grants nothing, and names no rule', () => {
    assert.deepEqual(decide(rules, 'bob', 'repository:alice/app:pull'), [[], null]);
    assert.deepEqual(decide(rules, '', 'repository:shared/x:pull'), [[], null]);
  });
  test('a rule is reported with its index and comment', () => {
    const decision = rules.authorize(request('alice'), parseScope('repository:alice/secret:pull'));
    assert.deepEqual(decision.rule, { index: 0, comment: 'explicit deny first', matched: { account: 'alice', name: 'alice/secret' } });
  });
});

describe('actions', () => {
  const rules = acl(`
- match: {account: admin}
  actions: ["*"]
- match: {account: dev}
  actions: [pull, push, delete]
- match: {account: reader}
  actions: [pull]
`);
  const cases: Array<[string, string, string[]]> = [
    // Granted = requested ∩ allowed.
    ['reader', 'repository:a:pull,push', ['pull']],
    ['reader', 'repository:a:push', []],
    ['dev', 'repository:a:push,pull', ['push', 'pull']],
    // A rule with "*" grants everything requested, including "*" itself.
    ['admin', 'repository:a:pull,push,delete', ['pull', 'push', 'delete']],
    ['admin', 'registry:catalog:*', ['*']],
    ['admin', 'repository:a:*', ['*']],
    // A requested "*" (skopeo delete, the catalog) gets the rule's own list when the rule lacks "*".
    ['dev', 'repository:a:*', ['pull', 'push', 'delete']],
    ['reader', 'registry:catalog:*', ['pull']],
  ];
  for (const [account, scope, expected] of cases) {
    test(`${account} asking ${scope} is granted [${expected.join(',')}]`, () => {
      assert.deepEqual(decide(rules, account, scope)[0], expected);
    });
  }
});

describe('match fields', () => {
  const rules = acl(`
- match: {type: registry, name: catalog}
  actions: ["*"]
  comment: catalog for everyone here
- match: {account: "/.+/", name: "\${account}/**"}
  actions: [pull, push]
- match: {account: "", name: "public/**"}
  actions: [pull]
- match: {service: "staging", name: "stage/*"}
  actions: [push]
- match: {account: "/.+/", type: repository, name: "library/*"}
  actions: [pull]
`);
  test('type and name', () => {
    assert.deepEqual(decide(rules, 'x', 'registry:catalog:*')[0], ['*']);
    assert.deepEqual(decide(rules, 'x', 'repository:catalog:pull')[0], []);
  });
  test('each user owns ${account}/** and nothing else', () => {
    assert.deepEqual(decide(rules, 'alice', 'repository:alice/a/b/c:push')[0], ['push']);
    assert.deepEqual(decide(rules, 'alice', 'repository:bob/app:push')[0], []);
    assert.deepEqual(decide(rules, 'alice', 'repository:alice:push')[0], []);
  });
  test('the anonymous account is ""', () => {
    assert.deepEqual(decide(rules, '', 'repository:public/img:pull,push')[0], ['pull']);
    assert.deepEqual(decide(rules, 'alice', 'repository:public/img:pull')[0], []);
    // "/.+/" never matches the anonymous account.
    assert.deepEqual(decide(rules, '', 'repository:library/x:pull')[0], []);
    assert.deepEqual(decide(rules, 'alice', 'repository:library/x:pull')[0], ['pull']);
  });
  test('service', () => {
    assert.deepEqual(decide(rules, 'x', 'repository:stage/a:push', { service: 'staging' })[0], ['push']);
    assert.deepEqual(decide(rules, 'x', 'repository:stage/a:push')[0], []);
  });
});

describe('ip', () => {
  const rules = acl(`
- match: {ip: "10.0.0.0/8"}
  actions: [pull, push]
- match: {ip: ["192.0.2.1", "2001:db8::/32"]}
  actions: [pull]
`);
  const cases: Array<[string | undefined, string[]]> = [
    ['10.20.30.40', ['pull', 'push']],
    ['192.0.2.1', ['pull']],
    ['192.0.2.2', []],
    ['2001:db8:1::5', ['pull']],
    ['2001:db9::5', []],
    // Without a known client address an ip rule cannot match.
    [undefined, []],
  ];
  for (const [ip, expected] of cases) {
    test(`client ${String(ip)} gets [${expected.join(',')}]`, () => {
      assert.deepEqual(decide(rules, 'x', 'repository:a:pull,push', { ip })[0], expected);
    });
  }
});

describe('labels and groups', () => {
  const rules = acl(`
groups:
  admins: [root]
  team-a: [alice, carol]
  team-b: [bob, carol]
acl:
  - match: {labels: {group: admins}}
    actions: ["*"]
  - match: {name: "\${labels:group}/**"}
    actions: [pull, push]
  - match: {labels: {group: "/^team-/"}, name: "shared/*"}
    actions: [pull]
`);
  test('a user\'s groups become its group label', () => {
    assert.deepEqual([...rules.labelsFor('carol').entries()], [['group', ['team-a', 'team-b']]]);
    assert.deepEqual([...rules.labelsFor('nobody').entries()], []);
    assert.deepEqual([...rules.labelsFor('').entries()], []);
  });
  test('labels: {group: admins} matches members only', () => {
    assert.deepEqual(decide(rules, 'root', 'registry:catalog:*')[0], ['*']);
    assert.deepEqual(decide(rules, 'alice', 'registry:catalog:*')[0], []);
  });
  test('${labels:group} matches any of the user\'s groups', () => {
    assert.deepEqual(decide(rules, 'carol', 'repository:team-a/app:push')[0], ['push']);
    assert.deepEqual(decide(rules, 'carol', 'repository:team-b/app:push')[0], ['push']);
    assert.deepEqual(decide(rules, 'alice', 'repository:team-b/app:push')[0], []);
  });
  test('label patterns may be regexes', () => {
    assert.deepEqual(decide(rules, 'bob', 'repository:shared/x:pull')[0], ['pull']);
    assert.deepEqual(decide(rules, 'root2', 'repository:shared/x:pull')[0], []);
  });
});

describe('capture groups', () => {
  const rules = acl(`
- match: {account: "/^(.+)@example\\\\.com$/", name: "\${account:1}/*"}
  actions: [pull, push]
- match: {account: "/^(.+)@(.+?)\\\\.test\\\\.com$/", name: "\${account:1}-\${account:2}/*"}
  actions: [pull]
`);
  test('${account:1} takes the first group of the account regex (docker_auth case)', () => {
    assert.deepEqual(decide(rules, 'john.smith@example.com', 'repository:john.smith/test:push')[0], ['push']);
    assert.deepEqual(decide(rules, 'john.smith@example.com', 'repository:jane/test:push')[0], []);
  });
  test('two groups (docker_auth case)', () => {
    assert.deepEqual(decide(rules, 'john.smith@it.test.com', 'repository:john.smith-it/test:pull')[0], ['pull']);
  });
  test('the captured value is escaped', () => {
    // "j.n" captured must not match "jxn".
    assert.deepEqual(decide(rules, 'j.n@example.com', 'repository:jxn/test:pull')[0], []);
  });
});

describe('docker_auth matching cases', () => {
  // The MatchConditions table of cesanta/docker_auth auth_server/authz/acl_test.go.
  const cases: Array<[string, { account: string; type: string; name: string }, boolean]> = [
    ['{}', { account: 'foo', type: 'repository', name: 'baz' }, true],
    ['{account: foo}', { account: 'foo', type: 'repository', name: 'baz' }, true],
    ['{account: foo, type: repository}', { account: 'foo', type: 'repository', name: 'baz' }, true],
    ['{account: foo, type: registry}', { account: 'foo', type: 'repository', name: 'baz' }, false],
    ['{account: "fo?", type: "r*", name: "/z$/"}', { account: 'foo', type: 'repository', name: 'baz' }, true],
    ['{account: "fo?", type: "r*", name: "/^z/"}', { account: 'foo', type: 'repository', name: 'baz' }, false],
    ['{name: "${account}"}', { account: 'foo', type: 'repository', name: 'foo' }, true],
    ['{name: "/${account}_.*/"}', { account: 'foo', type: 'repository', name: 'foo_x' }, true],
  ];
  for (const [match, info, expected] of cases) {
    test(`match ${match} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(info)}`, () => {
      const rules = acl(`[{match: ${match}, actions: [pull]}]`);
      assert.deepEqual(decide(rules, info.account, `${info.type}:${info.name}:pull`)[0], expected ? ['pull'] : []);
    });
  }
});

describe('the per-account index keeps file order', () => {
  test('a generic rule before an account\'s own rule still wins', () => {
    const rules = acl(`
- match: {name: "frozen/*"}
  actions: [pull]
- match: {account: alice}
  actions: ["*"]
- match: {account: bob}
  actions: [pull]
- match: {name: "/.*/"}
  actions: [pull, push]
`);
    assert.deepEqual(decide(rules, 'alice', 'repository:frozen/x:push'), [[], 0]);
    assert.deepEqual(decide(rules, 'alice', 'repository:other:push'), [['push'], 1]);
    assert.deepEqual(decide(rules, 'bob', 'repository:other:push'), [[], 2]);
    assert.deepEqual(decide(rules, 'carol', 'repository:other:push'), [['push'], 3]);
  });
});

describe('accepted document shapes', () => {
  test('a bare list of rules, or an acl: section pasted from docker_auth', () => {
    assert.equal(acl('- {match: {}, actions: [pull]}').rules.length, 1);
    assert.equal(acl('acl:\n  - match: {account: "admin"}\n    actions: ["*"]\n    comment: "Admin has full access to everything."').rules.length, 1);
  });
});

describe('RE2 escapes mean what they mean in docker_auth (they used to load as letters and fail open)', () => {
  const rules = acl(`
- match: {name: '/\\Aadmin\\z/'}
  actions: []
  comment: nobody touches admin
- match: {name: '/^[[:alpha:]]+$/'}
  actions: []
  comment: single-word names are reserved
- match: {name: '/^\\pL+\\/reserved$/'}
  actions: []
- match: {}
  actions: [pull]
`);
  const cases: Array<[string, string[]]> = [
    ['admin', []],
    ['admin2', ['pull']],
    ['x/admin', ['pull']],
    ['app', []],
    ['app1', ['pull']],
    ['team/reserved', []],
    ['team1/reserved', ['pull']],
  ];
  for (const [name, granted] of cases) {
    test(`${name} → [${granted.join(',')}]`, () => {
      assert.deepEqual(decide(rules, 'alice', `repository:${name}:pull`)[0], granted);
    });
  }
});

describe('an adversarial name cannot stall the decision (ReDoS)', () => {
  // The finding: with V8's backtracking engine, this rule and one anonymous request for a 33-character
  // name blocked the event loop for 18 s; every extra character doubled it.
  const rules = acl(`
- match: {name: '/^([a-z0-9]+[._-]?)+\\/app$/'}
  actions: [pull]
- match: {name: '**a**a**a**a**a**b'}
  actions: [pull]
`);
  for (const length of [33, 255]) {
    test(`a ${length}-character name is decided in well under a second`, () => {
      const name = `${'a'.repeat(length - 2)}/x`;
      const started = performance.now();
      assert.deepEqual(decide(rules, '', `repository:${name}:pull`), [[], null]);
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
    });
  }
  test('and the rule still grants what it should', () => {
    assert.deepEqual(decide(rules, '', `repository:${'a'.repeat(251)}/app:pull`), [['pull'], 0]);
  });
});
