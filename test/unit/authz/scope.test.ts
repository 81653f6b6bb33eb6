import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatScope, MAX_SCOPES, parseScope, parseScopes } from '../../../src/authz/scope.js';
import { InvalidScopeError } from '../../../src/errors.js';

describe('scope grammar (distribution docs/spec/auth/scope.md)', () => {
  const valid: Array<[string, object]> = [
    ['repository:samalba/my-app:pull,push', { type: 'repository', name: 'samalba/my-app', actions: ['pull', 'push'] }],
    ['repository:alpine:pull', { type: 'repository', name: 'alpine', actions: ['pull'] }],
    ['registry:catalog:*', { type: 'registry', name: 'catalog', actions: ['*'] }],
    ['repository(plugin):vieux/sshfs:pull', { type: 'repository', class: 'plugin', name: 'vieux/sshfs', actions: ['pull'] }],
    // The type ends at the first ':' and the actions start after the last, so a host and port fit.
    ['repository:localhost:5000/team/app:push', { type: 'repository', name: 'localhost:5000/team/app', actions: ['push'] }],
    ['repository:Registry.Example.com/a/b:pull', { type: 'repository', name: 'Registry.Example.com/a/b', actions: ['pull'] }],
    ['repository:a__b/c.d/e-f/g--h:pull', { type: 'repository', name: 'a__b/c.d/e-f/g--h', actions: ['pull'] }],
    // Actions in any order, de-duplicated, request order kept.
    ['repository:a:push,pull,push', { type: 'repository', name: 'a', actions: ['push', 'pull'] }],
    ['repository:a:delete,*', { type: 'repository', name: 'a', actions: ['delete', '*'] }],
  ];
  for (const [raw, expected] of valid) {
    test(`parses ${raw}`, () => {
      assert.deepEqual(parseScope(raw), expected);
    });
  }

  const invalid: Array<[string, RegExp]> = [
    ['repository', /expected type:name:actions/],
    ['repository:foo', /expected type:name:actions/],
    ['Repository:foo:pull', /resource type/],
    ['repo-sitory:foo:pull', /resource type/],
    ['repository(:foo:pull', /resource type/],
    [':foo:pull', /resource type/],
    ['repository::pull', /name/],
    ['repository:team/UPPER:pull', /name/],
    ['repository:a_:pull', /name/],
    ['repository:a//b:pull', /name/],
    ['repository:a/:pull', /name/],
    ['repository:-a:pull', /name/],
    ['repository:a b:pull', /name/],
    ['repository:a:', /action ""/],
    ['repository:a:pull,,push', /action ""/],
    ['repository:a:PULL', /action "PULL"/],
    ['repository:a:pu ll', /action/],
    [`repository:${'a'.repeat(256)}:pull`, /name/],
    [`repository:a:${'pull,'.repeat(200)}pull`, /longer than 512/],
  ];
  for (const [raw, message] of invalid) {
    test(`rejects ${raw.slice(0, 40)} with a 400 naming the scope`, () => {
      assert.throws(
        () => parseScope(raw),
        (err: unknown) => err instanceof InvalidScopeError && err.status === 400 && err.code === 'ERR_INVALID_SCOPE' && message.test(err.message) && err.message.includes('invalid scope "'),
      );
    });
  }
});

describe('several scopes in one request', () => {
  test('splits values on spaces and merges repeats of one resource', () => {
    const scopes = parseScopes(['repository:a:pull repository:b:push', 'repository:a:push', 'registry:catalog:*']);
    assert.deepEqual(scopes, [
      { type: 'repository', name: 'a', actions: ['pull', 'push'] },
      { type: 'repository', name: 'b', actions: ['push'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
  });

  test('keeps resources of different classes apart', () => {
    assert.equal(parseScopes(['repository:a:pull', 'repository(plugin):a:pull']).length, 2);
  });

  test('ignores empty values and double spaces (docker login sends no scope at all)', () => {
    assert.deepEqual(parseScopes([]), []);
    assert.deepEqual(parseScopes(['', 'repository:a:pull  repository:b:pull']).map((s) => s.name), ['a', 'b']);
  });

  test(`allows ${MAX_SCOPES} resources and refuses more`, () => {
    const many = Array.from({ length: MAX_SCOPES }, (_, i) => `repository:r${i}:pull`);
    assert.equal(parseScopes(many).length, MAX_SCOPES);
    assert.throws(() => parseScopes([...many, 'repository:extra:pull']), /too many scopes/);
  });

  test('formats back to the wire form', () => {
    assert.equal(formatScope({ type: 'repository', class: 'plugin', name: 'a/b', actions: ['pull', 'push'] }), 'repository(plugin):a/b:pull,push');
    assert.equal(formatScope({ type: 'registry', name: 'catalog', actions: ['*'] }, []), 'registry:catalog:');
  });
});

describe('an adversarial name is refused in linear time (ReDoS)', () => {
  // Invalid names that made the old grammar (separator `-*`) backtrack exponentially.
  const names: Array<[string, string]> = [
    ['a bad last character', `${'a'.repeat(254)}!`],
    ['a bad second component', `${'a'.repeat(253)}/!`],
    ['a trailing dash', `${'a'.repeat(254)}-`],
    ['dashes, then an underscore', `${'a1-'.repeat(84)}_`],
    ['a host, then a bad path', `${'a'.repeat(200)}:5000/${'b'.repeat(48)}!`],
  ];
  for (const [what, name] of names) {
    test(`${what} (${name.length} characters) is refused in well under a second`, () => {
      const started = performance.now();
      assert.throws(() => parseScope(`repository:${name}:pull`), { code: 'ERR_INVALID_SCOPE' });
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
    });
  }
  test('the separators are those of the spec: ".", "_", "__" and any run of "-"', () => {
    for (const name of ['a.b', 'a_b', 'a__b', 'a-b', 'a---b', 'a-b.c_d__e', 'ab12']) assert.equal(parseScope(`repository:${name}:pull`).name, name);
    for (const name of ['a..b', 'a___b', 'a_.b', '-a', 'a-', 'a.', '_a']) assert.throws(() => parseScope(`repository:${name}:pull`), { code: 'ERR_INVALID_SCOPE' }, name);
  });
});
