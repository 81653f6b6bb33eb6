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
    // A class never matches '/', even through a range that spans it; RE2 has no lookahead, so
    // the range is split around '/'.
    ['[!-~]', 'a', true],
    ['[!-~]', '/', false],
    ['[.-0]x', '.x', true],
    ['[.-0]x', '0x', true],
    ['[.-0]x', '/x', false],
    ['[/]', '/', false],
    ['a[-/]b', 'a-b', true],
    ['a[-/]b', 'a/b', false],
    ['[a-]', '-', true],
    ['[a\\-z]', 'b', false],
    ['[a\\-z]', '-', true],
    ['[\\]]', ']', true],
    ['[é]', 'é', true],
    // `**` crosses every character.
    ['**', 'a\nb', true],
    // The literal text between wildcards must appear (a check made before the engine runs).
    ['*/secret-*', 'a/secret-x', true],
    ['*/secret-*', 'a/secret', false],
    ['*/secret-*', '/secret-', true],
    ['?x*y', 'axzy', true],
    ['?x*y', 'xzy', false],
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
    // RE2 escapes and classes that JavaScript would silently read as letters.
    ['/\\Aadmin\\z/', 'admin', true],
    ['/\\Aadmin\\z/', 'xadmin', false],
    ['/^[[:alpha:]]+$/', 'abc', true],
    ['/^\\pL+$/', 'abc', true],
    ['/^\\pL+$/', 'émile', true],
    ['/^\\pL+$/', 'a-1', false],
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
    // Named groups count, and are numbered in order, as in Go.
    assert.equal(compilePattern('/^(?P<user>[^@]+)@(?<domain>.+)$/').groups, 2);
  });

  test('Go syntax that RE2 lacks is a load error that names it', () => {
    assert.throws(() => compilePattern('/^(\\w)\\1$/'), { code: 'ERR_REGEX_SYNTAX', message: /^invalid regular expression \/\^\(\\w\)\\1\$\/: backreferences are not supported/ });
    assert.throws(() => compilePattern('/^(?!admin)/'), { code: 'ERR_REGEX_SYNTAX', message: /lookahead is not supported/ });
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

  // Request values with regex metacharacters must match only themselves.
  const quoting: Array<[string, Partial<MatchValues>, string, boolean]> = [
    ['/^${account}\\/.+$/', { account: 'a.b-c_d' }, 'a.b-c_d/x', true],
    ['/^${account}\\/.+$/', { account: 'a.b-c_d' }, 'aXb-c_d/x', false],
    ['/^${account}$/', { account: 'a.b' }, 'a.b', true],
    ['/^${account}$/', { account: 'a.b' }, 'acb', false],
    ['/^${account}$/', { account: 'x+' }, 'xx', false],
    ['/^${account}$/', { account: '(a|b)' }, 'a', false],
    ['/^${account}$/', { account: '(a|b)' }, '(a|b)', true],
    // Inside a class the quoted '-' is a dash, not a range.
    ['/^[${account}]+$/', { account: 'a-z' }, 'a-z', true],
    ['/^[${account}]+$/', { account: 'a-z' }, 'b', false],
    ['${account}/*', { account: 'a.b-c_d' }, 'a.b-c_d/app', true],
    ['${account}/*', { account: 'a.b-c_d' }, 'a_b-c_d/app', false],
    ['/^${labels:group}\\//', { labels: new Map([['group', ['dev-1', 'ops.team']]]) }, 'ops.team/x', true],
    ['/^${labels:group}\\//', { labels: new Map([['group', ['dev-1', 'ops.team']]]) }, 'opsXteam/x', false],
    ['/^${labels:group}\\//', { labels: new Map([['group', ['dev-1', 'ops.team']]]) }, 'dev-1/x', true],
  ];
  for (const [pattern, over, value, expected] of quoting) {
    test(`${pattern} with ${JSON.stringify(over.account ?? [...(over.labels?.values() ?? [])].flat())} ${expected ? 'matches' : 'does not match'} ${value}`, () => {
      assert.equal(matches(pattern, value, over), expected);
    });
  }

  test('a captured value with metacharacters is quoted', () => {
    const pattern = compilePattern('/^${account:1}-${account:2}\\//');
    const captures = { account: ['j.n_x@a-b.test', 'j.n_x', 'a-b'] };
    assert.notEqual(pattern.exec('j.n_x-a-b/app', values(), captures), null);
    assert.equal(pattern.exec('jXn_x-a-b/app', values(), captures), null);
  });

  test('a placeholder inside \\Q...\\E is refused: its quoting would be matched literally', () => {
    assert.throws(() => compilePattern('/^\\Q${account}\\E$/'), /placeholder \$\{account\} inside \\Q\.\.\.\\E/);
    assert.equal(matches('/^\\Qa.\\E${account}$/', 'a.alice'), true);
    assert.equal(matches('/^\\\\Q${account}$/', '\\Qalice'), true);
  });

  for (const bad of ['${acount}', '${labels:}', '${account:0}', '${account:x}', '${name', 'a${}b']) {
    test(`refuses ${bad}`, () => assert.throws(() => compilePattern(bad), /placeholder/));
  }
  for (const bad of ['[abc', 'a[]', 'trailing\\', '/(unclosed/']) {
    test(`refuses malformed ${bad}`, () => assert.throws(() => compilePattern(bad)));
  }
  test('refuses an inverted glob range', () => {
    assert.throws(() => compilePattern('v[9-0]'), { message: 'pattern "v[9-0]" has an inverted range 9-0' });
  });
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

describe('matching takes time linear in the value (no backtracking)', () => {
  // 2^n paths for a backtracking engine: a 33-character name blocked V8's for minutes.
  const adversarial = (length: number): string => `${'a'.repeat(length - 2)}/x`;
  const cases: Array<[string, string, boolean]> = [
    ['/^([a-z0-9]+[._-]?)+\\/app$/', adversarial(33), false],
    ['/^([a-z0-9]+[._-]?)+\\/app$/', adversarial(255), false],
    ['/^([a-z0-9]+[._-]?)+\\/app$/', `${'a'.repeat(251)}/app`, true],
    ['/^(a|a)*$/', `${'a'.repeat(254)}b`, false],
    ['/^(a*)*$/', `${'a'.repeat(254)}b`, false],
    // A glob is matched by the same engine: n^5 steps for a backtracking one.
    ['**a**a**a**a**a**b', 'a'.repeat(255), false],
    ['**a**a**a**a**a**b', `${'a'.repeat(254)}b`, true],
    ['*a*a*a*a*a*a*b', 'a'.repeat(255), false],
  ];
  for (const [pattern, value, expected] of cases) {
    test(`${pattern} on ${value.length} characters: ${expected ? 'a match' : 'no match'}, well under a second`, () => {
      const compiled = compilePattern(pattern);
      const started = performance.now();
      const result = compiled.exec(value, values(), {}) !== null;
      const elapsed = performance.now() - started;
      assert.equal(result, expected);
      assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
    });
  }
});
