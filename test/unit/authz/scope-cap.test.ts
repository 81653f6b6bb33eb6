import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileScopeCap, parseScopePattern } from '../../../src/authz/scope-cap.js';
import { parseScope } from '../../../src/authz/scope.js';

describe('an API token cap: what the ACL granted ∩ the token scopes', () => {
  const cases: Array<[string, string[], string, string[], string[]]> = [
    // what, cap, requested scope, granted by the ACL, granted in the end
    ['a glob namespace cap lets its actions through', ['repository:team/**:pull,push'], 'repository:team/app:pull,push', ['pull', 'push'], ['pull', 'push']],
    ['nested names under **', ['repository:team/**:pull,push'], 'repository:team/a/b/c:push', ['push'], ['push']],
    ['outside the namespace: nothing', ['repository:team/**:pull,push'], 'repository:other/app:pull', ['pull'], []],
    ['an action the cap does not list is taken away', ['repository:team/**:pull'], 'repository:team/app:pull,push', ['pull', 'push'], ['pull']],
    ['a cap wider than the ACL grants nothing extra', ['repository:**:*'], 'repository:team/app:pull,push,delete', ['pull'], ['pull']],
    ['* in the cap allows whatever the ACL granted', ['repository:team/*:*'], 'repository:team/app:delete', ['delete'], ['delete']],
    ['* matches one component only', ['repository:team/*:pull'], 'repository:team/a/b:pull', ['pull'], []],
    ['the catalog', ['registry:catalog:*'], 'registry:catalog:*', ['*'], ['*']],
    ['the catalog is not a repository', ['repository:**:pull'], 'registry:catalog:*', ['*'], []],
    ['a granted * becomes what the cap allows', ['repository:team/**:pull,push'], 'repository:team/app:*', ['*'], ['pull', 'push']],
    ['several patterns add up', ['repository:team/**:pull', 'repository:team/ci/**:push'], 'repository:team/ci/x:pull,push', ['pull', 'push'], ['pull', 'push']],
    ['a resource class must be named', ['repository(plugin):**:pull'], 'repository:x:pull', ['pull'], []],
  ];
  for (const [what, patterns, scope, aclGranted, expected] of cases) {
    test(what, () => {
      const cap = compileScopeCap(patterns);
      assert.deepEqual([...cap.restrict(parseScope(scope), aclGranted)].sort(), [...expected].sort());
    });
  }

  const bad: Array<[string, RegExp]> = [
    ['repository:team/**', /type:name:actions/],
    ['Repository:team/**:pull', /lowercase/],
    ['repository:${account}/**:pull', /placeholders/],
    ['repository:/^team/:pull', /glob, not a \/regex\//],
    ['repository:team/**:Pull', /actions/],
    ['repository:team/**:pull,*', /alone/],
    ['repository:team/[:pull', /unclosed/],
  ];
  for (const [text, message] of bad) test(`refuses ${JSON.stringify(text)}`, () => assert.throws(() => parseScopePattern(text), message));
});
