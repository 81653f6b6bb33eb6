import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { purser, tempDir } from '../../helpers/cli.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../../../../..');

describe('purser acl check', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  test('the shipped acl.yml is valid and clean', async () => {
    const result = await purser(['acl', 'check', join(REPO, 'acl.yml'), '--strict'], { cwd: dir });
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /7 rule\(s\), valid$/m);
  });

  test('prints every problem with rule index, field and line; exit 1', async () => {
    writeFileSync(join(dir, 'bad.yml'), 'acl:\n  - match: {acount: a}\n    actions: [pull]\n  - match: {name: "x["}\n    actions: [PULL]\n');
    const result = await purser(['acl', 'check', 'bad.yml'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /bad\.yml:2: acl\[0\]\.match\.acount: unknown condition/);
    assert.match(result.stdout, /bad\.yml:4: acl\[1\]\.match\.name: .*unclosed/);
    assert.match(result.stdout, /bad\.yml:5: acl\[1\]\.actions: "PULL" is not an action/);
  });

  test('warns about a rule an earlier one always beats; --strict makes warnings fail', async () => {
    writeFileSync(
      join(dir, 'shadow.yml'),
      '- match: {account: "/.+/", name: "team/**"}\n  actions: [pull]\n- match: {account: alice, name: team/app}\n  actions: [push]\n',
    );
    const result = await purser(['acl', 'check', 'shadow.yml'], { cwd: dir });
    assert.equal(result.code, 0);
    assert.match(result.stdout, /shadow\.yml:3: acl\[1\]: can never match: acl\[0\] comes first/);
    assert.equal((await purser(['acl', 'check', 'shadow.yml', '--strict'], { cwd: dir })).code, 1);
  });

  test('uses PURSER_ACL by default', async () => {
    const result = await purser(['acl', 'check'], { cwd: dir, env: { PURSER_ACL: 'bad.yml' } });
    assert.equal(result.code, 1);
  });
});

describe('purser acl explain', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  copyFileSync(join(REPO, 'acl.yml'), join(dir, 'acl.yml'));

  test('names the deciding rule, its comment and conditions, and what is granted', async () => {
    const result = await purser(['acl', 'explain', '--account', 'alice', 'repository:alice/app:pull,push'], { cwd: dir });
    assert.equal(result.code, 0);
    assert.match(result.stdout, /granted: pull, push/);
    assert.match(result.stdout, /acl\[3\] "users own their namespace": account "\/\.\+\/", name "\$\{account\}\/\*\*" → \[pull, push, delete\]/);
  });

  test('exit 1 when something asked for is denied, and says which', async () => {
    const result = await purser(['acl', 'explain', '--account', 'alice', 'repository:library/base:pull,push', 'repository:bob/x:pull'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /granted: pull; denied: push/);
    assert.match(result.stdout, /rule: +none matched, so nothing is granted \(default deny\)/);
  });

  test('--group, --ip and --json', async () => {
    const admin = await purser(['acl', 'explain', '--account', 'root', '--group', 'admins', '--json', 'registry:catalog:*'], { cwd: dir });
    assert.equal(admin.code, 0);
    const json = JSON.parse(admin.stdout) as { groups: string[]; decisions: Array<{ granted: string[]; rule: { index: number } }> };
    assert.deepEqual(json.groups, ['admins']);
    assert.deepEqual(json.decisions[0]?.granted, ['*']);
    assert.equal(json.decisions[0]?.rule.index, 0);
    const ci = await purser(['acl', 'explain', '--account', 'bot', '--ip', '::ffff:10.1.1.1', '--json', 'repository:ci/x:push'], { cwd: dir });
    assert.equal(ci.code, 0);
    assert.equal((JSON.parse(ci.stdout) as { ip: string }).ip, '10.1.1.1');
  });

  test('no --account is the anonymous account', async () => {
    const result = await purser(['acl', 'explain', 'repository:public/a:pull'], { cwd: dir });
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^the anonymous account/);
  });

  test('a malformed scope or address is bad usage', async () => {
    assert.equal((await purser(['acl', 'explain', 'repository:x'], { cwd: dir })).code, 2);
    assert.equal((await purser(['acl', 'explain', '--ip', 'nope', 'repository:x:pull'], { cwd: dir })).code, 2);
    assert.equal((await purser(['acl', 'explain'], { cwd: dir })).code, 2);
  });
});

describe('purser acl test', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  copyFileSync(join(REPO, 'acl.yml'), join(dir, 'acl.yml'));
  copyFileSync(join(REPO, 'acl.test.yml'), join(dir, 'acl.test.yml'));

  test('the shipped acl.test.yml passes against the shipped acl.yml', async () => {
    const result = await purser(['acl', 'test'], { cwd: dir });
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /18 case\(s\): 18 passed, 0 failed/);
  });

  test('a wrong expectation fails with the rule that decided', async () => {
    writeFileSync(join(dir, 'wrong.yml'), '- name: alice may push to bob\n  account: alice\n  scope: repository:bob/app:push\n  granted: [push]\n');
    const result = await purser(['acl', 'test', 'wrong.yml'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /FAIL .*wrong\.yml:1 "alice may push to bob"/);
    assert.match(result.stdout, /alice asking repository:bob\/app:push: expected \[push\], got \[\]/);
    assert.match(result.stdout, /1 case\(s\): 0 passed, 1 failed/);
  });

  test('a case for a rule a later edit removed fails', async () => {
    writeFileSync(join(dir, 'edited.yml'), 'groups: {admins: []}\nacl:\n  - match: {name: "public/**"}\n    actions: [pull]\n');
    const result = await purser(['acl', 'test', 'acl.test.yml', '--acl', 'edited.yml'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /FAIL .*"a user owns her namespace"/);
    assert.match(result.stdout, /rule: none matched/);
  });

  test('an invalid case file is an error with its line', async () => {
    writeFileSync(join(dir, 'invalid.yml'), '- account: alice\n  scope: repository:a:pull\n  grant: [pull]\n');
    const result = await purser(['acl', 'test', 'invalid.yml'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /invalid\.yml:3: \[0\]\.grant: unknown key/);
  });
});
