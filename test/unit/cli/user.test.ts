import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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

  test('add and passwd refuse a name with "/", saying why; del can still remove such a line', async () => {
    const own = join(dir, 'slash.htpasswd');
    const args = ['--password-stdin', '--cost', '4', '--file', own];
    assert.equal((await purser(['user', 'add', 'carol', ...args], { cwd: dir, input: 'pw' })).code, 0);
    const before = readFileSync(own, 'utf8');
    for (const name of ['carol/x', 'bob/../carol']) {
      const add = await purser(['user', 'add', name, ...args], { cwd: dir, input: 'pw' });
      assert.equal(add.code, 2, add.stderr);
      assert.match(add.stderr, /cannot contain "\/": ACL rules such as "\$\{account\}\/\*\*" would then reach into another namespace/);
      assert.equal((await purser(['user', 'passwd', name, ...args], { cwd: dir, input: 'pw' })).code, 2);
    }
    assert.equal(readFileSync(own, 'utf8'), before);
    // A line written by hand stops purser from loading the file; user del is how to take it out.
    writeFileSync(own, `${before}carol/x:$2y$04$${'a'.repeat(53)}\n`);
    const listed = await purser(['user', 'list', '--file', own], { cwd: dir });
    assert.equal(listed.code, 1);
    assert.match(listed.stderr, /slash\.htpasswd:2: user "carol\/x": a user name cannot contain "\/"/);
    const removed = await purser(['user', 'del', 'carol/x', '--file', own], { cwd: dir });
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(readFileSync(own, 'utf8'), before);
    assert.equal((await purser(['user', 'del', 'a:b', '--file', own], { cwd: dir })).code, 2);
  });

  test('add refuses an empty password and one over 72 bytes (bcrypt would ignore the rest), and takes one of exactly 72', async () => {
    const own = join(dir, 'long.htpasswd');
    const add = (input: string) => purser(['user', 'add', 'frank', '--password-stdin', '--cost', '4', '--file', own], { cwd: dir, input });
    const long = await add(`${'p'.repeat(73)}\n`);
    assert.equal(long.code, 1);
    assert.match(long.stderr, /72 bytes/);
    // Bytes, not characters: 37 two-byte characters are 74 bytes.
    const wide = await add('é'.repeat(37));
    assert.equal(wide.code, 1);
    assert.match(wide.stderr, /72 bytes/);
    const blank = await add('');
    assert.equal(blank.code, 1);
    assert.match(blank.stderr, /the password is empty/);
    assert.equal(existsSync(own), false, 'nothing was written');
    const exact = await add(`${'p'.repeat(72)}\n`);
    assert.equal(exact.code, 0, exact.stderr);
    const line = readFileSync(own, 'utf8').trim();
    assert.equal(bcrypt.compareSync('p'.repeat(72), toNodeBcrypt(line.slice('frank:'.length))), true);
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
