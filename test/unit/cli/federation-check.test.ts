import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { purser, tempDir, type CliResult } from '../../helpers/cli.js';
import { startTestIssuer, type TestIssuer } from '../../helpers/test-issuer.js';

const ACL = `
groups:
  releasers: ["github:acme/app"]
acl:
  - {match: {account: "/^github:/", name: "\${labels:repository}/**"}, actions: [pull, push], comment: each repository its namespace}
  - {match: {account: "/^k8s:/", name: "\${labels:namespace}/**"}, actions: [pull], comment: each namespace pulls its own}
  - {match: {labels: {group: releasers}, name: "releases/**"}, actions: [push], comment: releasers push releases}
`;

/** The claims GitHub Actions puts in an id-token. */
function github(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aud: 'registry.example.com',
    sub: 'repo:acme/app:ref:refs/heads/main',
    repository: 'acme/app',
    repository_owner_id: '1234567',
    ref: 'refs/heads/main',
    event_name: 'push',
    ...overrides,
  };
}

function federation(gh: TestIssuer, k8s: TestIssuer, offline: string): string {
  return `
- name: github
  issuer: ${gh.issuer}
  audience: registry.example.com
  claims:
    repository_owner_id: "1234567"
    event_name: [push, workflow_dispatch]
  account: "github:\${claims:repository}"
  labels: {repository: "\${claims:repository}", ref: "\${claims:ref}"}
- name: github-tags
  issuer: ${gh.issuer}
  audience: registry.example.com
  claims:
    ref: "/^refs\\\\/tags\\\\//"
  account: "github:\${claims:repository}"
- name: k8s
  issuer: ${k8s.issuer}
  audience: registry.example.com
  account: "k8s:\${claims:/kubernetes.io/namespace}:\${claims:/kubernetes.io/serviceaccount/name}"
  labels: {namespace: "\${claims:/kubernetes.io/namespace}"}
- name: offline
  issuer: ${offline}
  audience: registry.example.com
  account: "offline:\${claims:sub}"
`;
}

describe('purser federation check', () => {
  const { dir, cleanup } = tempDir();
  let gh: TestIssuer;
  let k8s: TestIssuer;
  let stranger: TestIssuer;
  let offlineToken: string;
  before(async () => {
    [gh, k8s, stranger] = await Promise.all([startTestIssuer(), startTestIssuer(), startTestIssuer()]);
    const offline = await startTestIssuer();
    offlineToken = await offline.sign({ aud: 'registry.example.com', sub: 'job-1' });
    await offline.close();
    writeFileSync(join(dir, 'federation.yml'), federation(gh, k8s, offline.issuer));
    writeFileSync(join(dir, 'acl.yml'), ACL);
  });
  after(async () => {
    await Promise.all([gh.close(), k8s.close(), stranger.close()]);
    cleanup();
  });

  const env = { PURSER_FEDERATION: 'federation.yml', PURSER_ACL: 'acl.yml' };
  const check = async (token: string, args: string[] = []): Promise<CliResult> => {
    const result = await purser(['federation', 'check', '-', ...args], { cwd: dir, env, input: token });
    for (const output of [result.stdout, result.stderr]) {
      assert.ok(!output.includes(token), 'the token is never printed');
      assert.ok(!output.includes(token.split('.')[2] as string), "not even the token's signature");
    }
    return result;
  };
  const entryLine = (result: CliResult, name: string): string => {
    const found = result.stdout.split('\n').find((l) => new RegExp(`^  \\[\\d\\] ${name} `).test(l));
    assert.ok(found, `a line for entry ${name} in:\n${result.stdout}`);
    return found;
  };

  test('accepted: names the entry, why the others refuse, the account, the labels and the rule that grants each scope', async () => {
    const result = await check(await gh.sign(github()), ['--scope', 'repository:acme/app/image:pull,push', '--scope', 'repository:releases/app:push']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^token: iss "http:\/\/127\.0\.0\.1:\d+", sub "repo:acme\/app:ref:refs\/heads\/main", aud "registry\.example\.com", expires .* \(in \d+ s\)$/m);
    assert.match(entryLine(result, 'github'), /: accepts \(takes it\)$/);
    assert.match(entryLine(result, 'github-tags'), /: refuses, claim_condition_unmet: claim ref is "refs\/heads\/main"; the entry wants/);
    assert.match(entryLine(result, 'k8s'), /: refuses, wrong_issuer: the token's iss is "http:\/\/127\.0\.0\.1:\d+", the entry trusts http/);
    assert.match(entryLine(result, 'offline'), /: refuses, wrong_issuer/);
    // acl.yml's groups join the entry's labels, as on the server.
    assert.match(result.stdout, /^entry github: account "github:acme\/app", labels group=releasers, repository=acme\/app, ref=refs\/heads\/main$/m);
    assert.match(result.stdout, /^repository:acme\/app\/image:pull,push\n {2}granted: pull, push\n {2}rule: {4}acl\[0\] "each repository its namespace": account "\/\^github:\/", name "\$\{labels:repository\}\/\*\*" → \[pull, push\]$/m);
    assert.match(result.stdout, /^repository:releases\/app:push\n {2}granted: push\n {2}rule: {4}acl\[2\] "releasers push releases"/m);
  });

  test('accepted but a scope is denied: exit 1, and says by which rule (or none)', async () => {
    const result = await check(await gh.sign(github()), ['--scope', 'repository:other/app:pull']);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^repository:other\/app:pull\n {2}granted: nothing \(asked: pull\)\n {2}rule: {4}none matched, so nothing is granted \(default deny\)$/m);
  });

  test('a Kubernetes token: nested claims become the account and the namespace label', async () => {
    const token = await k8s.sign({ aud: ['registry.example.com'], sub: 'system:serviceaccount:team-a:builder', 'kubernetes.io': { namespace: 'team-a', serviceaccount: { name: 'builder', uid: 'u' } } });
    const result = await check(token, ['--scope', 'repository:team-a/app:pull']);
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /^entry k8s: account "k8s:team-a:builder", labels namespace=team-a$/m);
    assert.match(result.stdout, /acl\[1\] "each namespace pulls its own"/);
  });

  const refusals: Array<[string, () => Promise<string>, string, RegExp]> = [
    ['a token for another audience', () => gh.sign(github({ aud: 'other.example.com' })), 'github', /refuses, wrong_audience: .*"aud".*; the token's aud is "other\.example\.com", the entry wants "registry\.example\.com"$/],
    ['an expired token', () => gh.sign(github({ exp: Math.floor(Date.now() / 1000) - 120 })), 'github', /refuses, token_expired: .*"exp".*; exp \S+ \(1\d\d s ago\)$/],
    ['an unmet claim condition (a pull_request)', () => gh.sign(github({ event_name: 'pull_request' })), 'github', /refuses, claim_condition_unmet: claim event_name is "pull_request"; the entry wants \["push","workflow_dispatch"\]$/],
    ['a claim the account needs is missing', () => gh.sign(github({ repository: undefined })), 'github', /refuses, claim_missing: the account template needs claim repository, which is missing/],
    ['a token of an issuer no entry trusts', () => stranger.sign(github()), 'github', /refuses, wrong_issuer: the token's iss is "http:\/\/127\.0\.0\.1:\d+", the entry trusts/],
    ['a token of an issuer that cannot be reached', async () => offlineToken, 'offline', /refuses, issuer_keys_unavailable: the keys of http:\/\/127\.0\.0\.1:\d+ could not be fetched: .+/],
  ];
  for (const [what, make, entry, reason] of refusals) {
    test(`refused, ${what}: each entry says why; exit 1`, async () => {
      const result = await check(await make(), ['--scope', 'repository:acme/app/image:pull']);
      assert.equal(result.code, 1);
      assert.match(entryLine(result, entry), reason);
      assert.ok(!/: accepts/.test(result.stdout), result.stdout);
      assert.match(result.stdout, /^no entry accepts this token: \/auth answers 401/m);
      assert.ok(!/^entry /m.test(result.stdout), 'no account is shown for a refused token');
    });
  }

  test('--json: every entry with its verdict, the account, labels and decisions', async () => {
    const result = await check(await gh.sign(github({ event_name: 'workflow_dispatch' })), ['--json', '--scope', 'repository:acme/app/image:pull']);
    assert.equal(result.code, 0);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(report.taken, 'github');
    assert.equal(report.account, 'github:acme/app');
    assert.deepEqual(report.labels, { group: ['releasers'], repository: ['acme/app'], ref: ['refs/heads/main'] });
    const entries = report.entries as Array<Record<string, unknown>>;
    assert.deepEqual(entries.map((e) => [e.name, e.accepted, e.reason ?? null]), [['github', true, null], ['github-tags', false, 'claim_condition_unmet'], ['k8s', false, 'wrong_issuer'], ['offline', false, 'wrong_issuer']]);
    const [decision] = report.decisions as Array<Record<string, unknown>>;
    assert.deepEqual(decision?.granted, ['pull']);
    assert.equal((decision?.rule as { index: number }).index, 0);
    assert.equal((report.token as { sub: string }).sub, 'repo:acme/app:ref:refs/heads/main');
  });

  test('the token as an argument works too; a malformed one is refused by every entry', async () => {
    const given = await purser(['federation', 'check', await gh.sign(github())], { cwd: dir, env });
    assert.equal(given.code, 0, given.stdout);
    const junk = await check('not-a-token');
    assert.equal(junk.code, 1);
    assert.match(junk.stdout, /^token: not a JWT/m);
    assert.match(entryLine(junk, 'github'), /refuses, malformed_token/);
  });

  test('no federation file, or an invalid one: an error naming the file; a bad scope: bad usage', async () => {
    const missing = await purser(['federation', 'check', '-', '--federation', 'nope.yml'], { cwd: dir, env, input: 'x.y.z' });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.yml.*does not exist, so the server trusts no issuer/);
    writeFileSync(join(dir, 'bad.yml'), '- name: x\n  issuer: http://example.com\n');
    const invalid = await purser(['federation', 'check', '-', '--federation', 'bad.yml'], { cwd: dir, env, input: 'x.y.z' });
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /bad\.yml:2: \[0\]\.issuer: must be an https:\/\/ URL/);
    const scope = await purser(['federation', 'check', '-', '--scope', 'repository:x'], { cwd: dir, env, input: 'x.y.z' });
    assert.equal(scope.code, 2);
  });
});
