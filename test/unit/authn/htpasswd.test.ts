import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import bcrypt from 'bcrypt';
import { parseHtpasswd, toNodeBcrypt } from '../../../src/authn/htpasswd.js';

const HASH_Y = '$2y$05$3Yy7fIzYcO6nqTmQ1yvFZePHOf/3QcbM1.s6Z5N8v3vG0fvk8zW3i';

describe('htpasswd parsing', () => {
  test('reads bcrypt users of every prefix and cost, skipping comments and blank lines', () => {
    const text = ['# users', '', 'alice:$2y$05$' + 'a'.repeat(53), 'bob:$2a$12$' + 'b'.repeat(53) + '\r', '  # indented comment', 'carol:$2b$10$' + 'c'.repeat(53)].join('\n');
    const { users, issues } = parseHtpasswd(text, 'users.htpasswd');
    assert.deepEqual(issues, []);
    assert.deepEqual([...users.keys()], ['alice', 'bob', 'carol']);
    assert.equal(users.get('alice')?.cost, 5);
    assert.equal(users.get('bob')?.cost, 12);
    assert.equal(users.get('bob')?.line, 4);
    assert.equal(users.get('bob')?.hash.endsWith('\r'), false);
  });

  const weak: Array<[string, RegExp]> = [
    ['dave:$apr1$x1y2z3$AbCdEfGhIjKlMnOpQrStU.', /MD5/],
    ['dave:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', /SHA-1/],
    ['dave:rl5bKUDxGcsKo', /crypt or plain text/],
    ['dave:password', /crypt or plain text/],
    ['dave:$6$salt$hash', /SHA-crypt/],
    ['dave:$2y$05$tooshort', /malformed bcrypt/],
    ['dave:', /missing hash/],
  ];
  for (const [line, kind] of weak) {
    test(`refuses ${line.split(':')[1]?.slice(0, 12) || 'an empty hash'} with the line and user`, () => {
      const { users, issues } = parseHtpasswd(`# header\n${line}`, '/srv/users.htpasswd');
      assert.equal(users.size, 0);
      assert.equal(issues.length, 1);
      assert.equal(issues[0]?.line, 2);
      assert.equal(issues[0]?.file, '/srv/users.htpasswd');
      assert.match(issues[0]?.message ?? '', /user "dave"/);
      assert.match(issues[0]?.message ?? '', kind);
      assert.match(issues[0]?.message ?? '', /only bcrypt/);
    });
  }

  test('refuses lines without a colon, odd names and users listed twice', () => {
    const text = `nocolon\n:${HASH_Y}\n bob:${HASH_Y}\nalice:${HASH_Y}\nalice:${HASH_Y}`;
    const { issues } = parseHtpasswd(text, 'u');
    assert.deepEqual(
      issues.map((i) => [i.line, i.message.slice(0, 30)]),
      [
        [1, 'expected user:hash'],
        [2, 'the user name is empty or has '],
        [3, 'the user name is empty or has '],
        [5, 'user "alice" is already define'],
      ],
    );
  });

  test('refuses a user name with "/", which would reach into another namespace through ${account}/** rules', () => {
    const text = `alice:${HASH_Y}\nalice/x:${HASH_Y}\nbob/../alice:${HASH_Y}\n`;
    const { users, issues } = parseHtpasswd(text, '/srv/users.htpasswd');
    assert.deepEqual([...users.keys()], ['alice']);
    assert.deepEqual(
      issues.map((i) => [i.file, i.line, i.path]),
      [
        ['/srv/users.htpasswd', 2, 'alice/x'],
        ['/srv/users.htpasswd', 3, 'bob/../alice'],
      ],
    );
    assert.match(issues[0]?.message ?? '', /^user "alice\/x": a user name cannot contain "\/": ACL rules such as "\$\{account\}\/\*\*" would then reach into another namespace/);
  });

  test('$2y$ hashes from htpasswd -B verify once given to Node as $2b$', async () => {
    const hash = (await bcrypt.hash('s3cret', 4)).replace('$2b$', '$2y$');
    assert.equal(await bcrypt.compare('s3cret', toNodeBcrypt(hash)), true);
    assert.equal(await bcrypt.compare('wrong', toNodeBcrypt(hash)), false);
    assert.equal(toNodeBcrypt('$2a$04$x'), '$2a$04$x');
  });
});
