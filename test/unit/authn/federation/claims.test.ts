import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileClaimConditions } from '../../../../src/authn/federation/claim-conditions.js';
import { compileClaimTemplate } from '../../../../src/authn/federation/claim-template.js';
import { readPointer } from '../../../../src/authn/federation/json-pointer.js';

const K8S = { sub: 'system:serviceaccount:team-a:builder', 'kubernetes.io': { namespace: 'team-a', serviceaccount: { name: 'builder' } }, 'a/b': 'slash', 'm~n': 'tilde' };

describe('JSON Pointer (RFC 6901)', () => {
  const cases: Array<[string, unknown]> = [
    ['/kubernetes.io/namespace', 'team-a'],
    ['/kubernetes.io/serviceaccount/name', 'builder'],
    ['/a~1b', 'slash'],
    ['/m~0n', 'tilde'],
    ['/missing', undefined],
    ['/sub/0', undefined],
    ['/__proto__', undefined],
    ['/constructor', undefined],
    ['no-slash', undefined],
  ];
  for (const [pointer, value] of cases) test(pointer, () => assert.deepEqual(readPointer(K8S, pointer), value));
});

describe('account and label templates', () => {
  test('fill names and pointers', () => {
    assert.deepEqual(compileClaimTemplate('k8s:${claims:/kubernetes.io/namespace}:${claims:/kubernetes.io/serviceaccount/name}').fill(K8S), { value: 'k8s:team-a:builder' });
    assert.deepEqual(compileClaimTemplate('github:${claims:repository}').fill({ repository: 'acme/app' }), { value: 'github:acme/app' });
  });

  test('a missing, empty or non-string claim fails the fill, never an empty string', () => {
    const t = compileClaimTemplate('github:${claims:repository}');
    for (const claims of [{}, { repository: '' }, { repository: 42 }, { repository: ['a'] }, { repository: null }]) {
      assert.deepEqual(t.fill(claims), { missing: 'repository' });
    }
  });

  for (const bad of ['${account}', '${claims:}', '${env:HOME}', 'x${claims:a']) {
    test(`refuses ${bad}`, () => assert.throws(() => compileClaimTemplate(bad), /placeholder/));
  }
});

describe('claim conditions', () => {
  const conditions = compileClaimConditions({ repository_owner_id: '1234567', event_name: ['push', 'workflow_dispatch'], ref: '/^refs\\/heads\\/(main|release-.+)$/', '/kubernetes.io/namespace': '/^team-/' });
  const ok = { repository_owner_id: '1234567', event_name: 'push', ref: 'refs/heads/main', 'kubernetes.io': { namespace: 'team-a' } };
  test('all hold', () => assert.equal(conditions.unmet(ok), undefined));
  const failing: Array<[string, Record<string, unknown>, RegExp]> = [
    ['another exact value', { ...ok, repository_owner_id: '7654321' }, /repository_owner_id is "7654321"/],
    ['a value not in the list', { ...ok, event_name: 'pull_request' }, /event_name is "pull_request"/],
    ['a regex that does not match', { ...ok, ref: 'refs/heads/feature' }, /ref is/],
    ['a number where a string is wanted', { ...ok, repository_owner_id: 1234567 }, /not a string/],
    ['a missing claim', { event_name: 'push', ref: 'refs/heads/main' }, /repository_owner_id is missing/],
    ['a nested claim by pointer', { ...ok, 'kubernetes.io': { namespace: 'kube-system' } }, /kubernetes.io\/namespace is "kube-system"/],
  ];
  for (const [what, claims, message] of failing) test(what, () => assert.match(conditions.unmet(claims) ?? '', message));
  test('refuses a condition that is not a string or list of strings', () => {
    assert.throws(() => compileClaimConditions({ ref_protected: true }), /quote numbers and booleans/);
    assert.throws(() => compileClaimConditions({ x: [] }), /must be a string/);
  });
});
