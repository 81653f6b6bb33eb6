import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compilePattern, type MatchValues } from '../../../src/authz/pattern.js';

const values = (over: Partial<MatchValues> = {}): MatchValues => ({
  account: 'alice',
  type: 'repository',
  name: 'alice/app',
  service: 'Docker registry',
  labels: new Map(),
  ...over,
});

const matches = (pattern: string, value: string, over: Partial<MatchValues> = {}): boolean =>
  compilePattern(pattern).exec(value, values(over), {}) !== null;

describe('glob patterns', () => {
  const cases: Array<[string, string, boolean]> = [
    ['alice/app', 'alice/app', true],
    ['alice/app', 'alice/app2', false],
    ['alice/*', 'alice/app', true],
    // `*` and `?` do not cross '/'; `**` does.
    ['alice/*', 'alice/tools/cli', false],
    ['alice/**', 'alice/tools/cli', true],
    ['alice/**', 'alice', false],
    ['**/app', 'a/b/app', true],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**/b', 'a/xb', false],
    ['*', 'catalog', true],
    ['*', '', true],
    ['*', 'a/b', false],
    ['**', 'a/b/c', true],
    ['fo?', 'foo', true],
    ['fo?', 'fo/', false],
    ['fo?', 'fooo', false],
    ['b*', 'bar', true],
    ['[abc]at', 'bat', true],
    ['[abc]at', 'hat', false],
    ['[^abc]at', 'hat', true],
    ['[!abc]at', 'bat', false],
    ['v[0-9]', 'v7', true],
    ['[^x]', '/', false],
    ['a\\*', 'a*', true],
    ['a\\*', 'ab', false],
    // Regex characters in a glob are literal.
    ['a.b', 'axb', false],
    ['a+b', 'a+b', true],
    ['(a)', '(a)', true],
  ];
  for (const [pattern, value, expected] of cases) {
    test(`${pattern} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(value)}`, () => {
      assert.equal(matches(pattern, value), expected);
    });
  }
});

describe('regex patterns', () => {
  const cases: Array<[string, string, boolean]> = [
    // Unanchored, as in docker_auth: anchor with ^ and $.
    ['/z$/', 'baz', true],
    ['/^z/', 'baz', false],
    ['/a/', 'xax', true],
    ['/^(library|ci)\\//', 'ci/app', true],
    ['/^(library|ci)\\//', 'cix/app', false],
    ['/.+/', '', false],
    ['/.+/', 'bob', true],
    // Go RE2 spellings copied from docker_auth configs.
    ['/(?i)^ADMIN$/', 'admin', true],
    ['/^(?P<user>[a-z]+)$/', 'bob', true],
  ];
  for (const [pattern, value, expected] of cases) {
    test(`${pattern} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(value)}`, () => {
      assert.equal(matches(pattern, value), expected);
    });
  }

  test('counts capture groups', () => {
    assert.equal(compilePattern('/^(.+)@(.+)$/').groups, 2);
    assert.equal(compilePattern('/^(?:x)(y)$/').groups, 1);
    assert.equal(compilePattern('plain/*').groups, 0);
  });

  test('"//" is too short to be a regex and is a literal glob', () => {
    assert.equal(compilePattern('//').kind, 'glob');
  });
});

describe('placeholders', () => {
  test('${account} is filled in and escaped, so it matches literally', () => {
    assert.equal(matches('${account}/**', 'alice/app'), true);
    assert.equal(matches('${account}/**', 'bob/app'), false);
    // docker_auth's quoting case: an account of ".*" must not act as a regex.
    assert.equal(matches('/${account}_.*/', 'foo_x', { account: 'foo' }), true);
    assert.equal(matches('/${account}_.*/', 'foo_x', { account: '.*' }), false);
    assert.equal(matches('${account}/*', 'a*b/x', { account: 'a*b' }), true);
    assert.equal(matches('${account}/*', 'aXb/x', { account: 'a*b' }), false);
  });

  test('${name}, ${type} and ${service} come from the request', () => {
    assert.equal(matches('${type}', 'repository'), true);
    assert.equal(matches('/^${service}$/', 'Docker registry'), true);
    assert.equal(matches('${name}', 'alice/app'), true);
  });

  test('${labels:KEY} matches any of the user\'s values for that label', () => {
    const labels = new Map([['group', ['dev', 'ops.team']]]);
    assert.equal(matches('${labels:group}/*', 'ops.team/x', { labels }), true);
    assert.equal(matches('${labels:group}/*', 'dev/x', { labels }), true);
    assert.equal(matches('${labels:group}/*', 'opsXteam/x', { labels }), false);
    assert.equal(matches('${labels:group}/*', 'dev/x', {}), false);
  });

  test('${account:N} takes group N of the rule\'s account regex', () => {
    const pattern = compilePattern('${account:1}/*');
    assert.deepEqual(pattern.captureRefs, [{ field: 'account', group: 1 }]);
    assert.notEqual(pattern.exec('john/x', values(), { account: ['john@example.com', 'john'] }), null);
    assert.equal(pattern.exec('jane/x', values(), { account: ['john@example.com', 'john'] }), null);
    // A group that took no part in the match gives no value, and no match.
    assert.equal(pattern.exec('/x', values(), { account: ['x', undefined] }), null);
  });

  for (const bad of ['${acount}', '${labels:}', '${account:0}', '${account:x}', '${name', 'a${}b']) {
    test(`refuses ${bad}`, () => assert.throws(() => compilePattern(bad), /placeholder/));
  }
  for (const bad of ['[abc', 'a[]', 'trailing\\', '/(unclosed/']) {
    test(`refuses malformed ${bad}`, () => assert.throws(() => compilePattern(bad)));
  }
});

describe('pattern facts used by the ACL index and lint', () => {
  test('a plain glob is a literal', () => {
    assert.equal(compilePattern('alice').literal, 'alice');
    assert.equal(compilePattern('').literal, '');
    assert.equal(compilePattern('al*').literal, undefined);
    assert.equal(compilePattern('${account}').literal, undefined);
    assert.equal(compilePattern('/alice/').literal, undefined);
  });

  test('knows the patterns that match everything', () => {
    for (const p of ['**', '/.*/', '/^.*$/']) assert.equal(compilePattern(p).matchesEverything, true, p);
    for (const p of ['*', '/.+/', 'a/**']) assert.equal(compilePattern(p).matchesEverything, false, p);
  });
});

describe('literal prefixes (a fast rejection before the regex runs)', () => {
  const cases: Array<[string, string]> = [
    ['team-003/**', 'team-003/'],
    ['*/secret-*', ''],
    ['a\\*b', 'a'],
    ['${account}/**', ''],
    ['/^mirror-1\\/.+$/', 'mirror-1/'],
    ['/^svc-[a-z]+$/', 'svc-'],
    ['/^x\\.y\\.z/', 'x.y.z'],
    // A quantified character may be absent; an alternation or a flag leaves nothing certain.
    ['/^ab?c/', 'a'],
    ['/^ab*/', 'a'],
    ['/^(a|b)/', ''],
    ['/^a|b/', ''],
    ['/(?i)^abc/', ''],
    ['/abc/', ''],
  ];
  for (const [pattern, prefix] of cases) {
    test(`${pattern} → ${JSON.stringify(prefix)}`, () => assert.equal(compilePattern(pattern).prefix, prefix));
  }

  test('the prefix never turns away a value the pattern matches', () => {
    const values = ['a', 'ac', 'abc', 'abbc', 'b', 'x.y.z/1', 'mirror-1/a', 'svc-x', 'ABC', 'team-003/a'];
    for (const [pattern] of cases) {
      const compiled = compilePattern(pattern);
      for (const value of values) {
        const full = compiled.kind === 'regex' ? new RegExp(pattern.slice(1, -1).replace('(?i)', ''), pattern.includes('(?i)') ? 'i' : '').test(value) : null;
        if (full !== null) assert.equal(compiled.exec(value, { account: 'x', type: 't', name: 'n', service: 's', labels: new Map() }, {}) !== null, full, `${pattern} on ${value}`);
      }
    }
  });
});
