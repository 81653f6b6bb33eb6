import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcrypt';
import { toNodeBcrypt } from '../../../src/authn/htpasswd.js';
import { after, describe, test } from 'node:test';
import { buildSnapshot } from '../../../src/config/snapshot.js';
import { basic, startTestApp } from '../../helpers/app.js';
import { purser, tempDir } from '../../helpers/cli.js';
import { signingPair } from '../../helpers/keys.js';
import { TEST_ACL, testSettings } from '../../helpers/snapshot.js';

describe('purser user', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const file = join(dir, 'users.htpasswd');
  // Apache's own htpasswd -vb checks these files too, in test/e2e/tool-compatibility.test.ts.
  const htpasswdVerifies = (user: string, password: string) => {
    const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
    return line !== undefined && bcrypt.compareSync(password, toNodeBcrypt(line.slice(user.length + 1)));
  };

  test('add writes a $2y$ bcrypt line, keeping comments, other lines and the mode', async () => {
    writeFileSync(file, '# team users\nlegacy:$apr1$abc$def\n');
    chmodSync(file, 0o640);
    const result = await purser(['user', 'add', 'carol', '--password-stdin', '--cost', '5'], { cwd: dir, input: 'correct horse\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(htpasswdVerifies('carol', 'correct horse'), true);
    assert.equal(htpasswdVerifies('carol', 'wrong horse'), false);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^# team users\nlegacy:\$apr1\$abc\$def\ncarol:\$2y\$05\$[./A-Za-z0-9]{53}\n$/);
    assert.equal(statSync(file).mode & 0o777, 0o640);
    assert.equal(text.includes('correct horse'), false);
  });

  test('the user it adds logs in through the server', async () => {
    const pair = signingPair();
    const snapshot = buildSnapshot(testSettings(), {
      acl: TEST_ACL,
      users: readFileSync(file, 'utf8').replace(/^legacy:.*\n/m, ''),
      signingKey: pair.keyPem,
      signingCert: pair.certPem,
    });
    const app = await startTestApp({ snapshot });
    try {
      const ok = await fetch(`${app.url}/auth?service=Docker%20registry&scope=repository:carol/app:push`, { headers: { Authorization: basic('carol', 'correct horse') } });
      assert.equal(ok.status, 200);
      const wrong = await fetch(`${app.url}/auth?service=Docker%20registry`, { headers: { Authorization: basic('carol', 'correct') } });
      assert.equal(wrong.status, 401);
    } finally {
      await app.close();
    }
  });

  test('add refuses an existing user, a bad name, an empty password and prompting without a terminal', async () => {
    const existing = await purser(['user', 'add', 'carol', '--password-stdin'], { cwd: dir, input: 'x\n' });
    assert.equal(existing.code, 1);
    assert.match(existing.stderr, /already exists/);
    assert.equal((await purser(['user', 'add', 'a:b', '--password-stdin'], { cwd: dir, input: 'x' })).code, 2);
    assert.equal((await purser(['user', 'add', '#x', '--password-stdin'], { cwd: dir, input: 'x' })).code, 2);
    const empty = await purser(['user', 'add', 'dave', '--password-stdin'], { cwd: dir, input: '\n' });
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /empty/);
    const noTty = await purser(['user', 'add', 'dave'], { cwd: dir });
    assert.equal(noTty.code, 2);
    assert.match(noTty.stderr, /--password-stdin/);
    assert.equal((await purser(['user', 'add', 'dave', '--cost', '3', '--password-stdin'], { cwd: dir, input: 'x' })).code, 2);
    assert.equal(readFileSync(file, 'utf8').includes('dave'), false);
  });

  test('a password is never taken from an argument', async () => {
    const result = await purser(['user', 'add', 'erin', 'secret'], { cwd: dir });
    assert.equal(result.code, 2);
  });

  test('passwd replaces the hash in place; del removes the line', async () => {
    const before = readFileSync(file, 'utf8');
    assert.equal((await purser(['user', 'passwd', 'carol', '--password-stdin', '--cost', '4'], { cwd: dir, input: 'new one' })).code, 0);
    assert.equal(htpasswdVerifies('carol', 'new one'), true);
    assert.equal(htpasswdVerifies('carol', 'correct horse'), false);
    assert.equal(readFileSync(file, 'utf8').split('\n').length, before.split('\n').length);
    assert.equal((await purser(['user', 'passwd', 'nobody', '--password-stdin'], { cwd: dir, input: 'x' })).code, 1);
    assert.equal((await purser(['user', 'del', 'legacy'], { cwd: dir })).code, 0);
    assert.equal(readFileSync(file, 'utf8'), `# team users\n${readFileSync(file, 'utf8').split('\n')[1]}\n`);
    assert.equal((await purser(['user', 'del', 'legacy'], { cwd: dir })).code, 1);
    assert.equal(statSync(file).mode & 0o777, 0o640);
  });

  test('list shows users, and problems with exit 1', async () => {
    const clean = await purser(['user', 'list'], { cwd: dir });
    assert.equal(clean.code, 0);
    assert.match(clean.stdout, /^carol\tbcrypt cost 4\tline 2$/m);
    writeFileSync(file, `${readFileSync(file, 'utf8')}old:{SHA}abc=\n`);
    const flawed = await purser(['user', 'list'], { cwd: dir });
    assert.equal(flawed.code, 1);
    assert.match(flawed.stderr, /:3: user "old": SHA-1/);
  });

  test('--file and PURSER_HTPASSWD choose the file; a new file is created 0600', async () => {
    assert.equal((await purser(['user', 'add', 'x', '--password-stdin', '--cost', '4', '--file', 'other/u.htpasswd'], { cwd: dir, input: 'pw' })).code, 0);
    assert.equal(statSync(join(dir, 'other/u.htpasswd')).mode & 0o777, 0o600);
    assert.equal((await purser(['user', 'add', 'y', '--password-stdin', '--cost', '4'], { cwd: dir, input: 'pw', env: { PURSER_HTPASSWD: 'other/u.htpasswd' } })).code, 0);
    assert.match(readFileSync(join(dir, 'other/u.htpasswd'), 'utf8'), /^x:.*\ny:.*\n$/);
  });
});
