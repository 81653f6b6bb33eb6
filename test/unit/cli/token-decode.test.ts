import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { basic, startTestApp, type TestApp } from '../../helpers/app.js';
import { purser, tempDir } from '../../helpers/cli.js';
import { freshPair, signingPair } from '../../helpers/keys.js';
import { TEST_USERS } from '../../helpers/snapshot.js';

describe('purser token decode', () => {
  const { dir, cleanup } = tempDir();
  let app: TestApp;
  let token: string;
  before(async () => {
    mkdirSync(join(dir, 'certs'));
    writeFileSync(join(dir, 'certs/token.key'), signingPair().keyPem);
    writeFileSync(join(dir, 'certs/token.crt'), signingPair().certPem);
    app = await startTestApp();
    const res = await fetch(`${app.url}/auth?service=Docker%20registry&scope=repository:alice/app:pull`, { headers: { Authorization: basic('alice', TEST_USERS.alice) } });
    token = ((await res.json()) as { token: string }).token;
  });
  after(async () => {
    await app.close();
    cleanup();
  });

  test('prints header and claims and says a registry configured like purser accepts it', async () => {
    const result = await purser(['token', 'decode', token], { cwd: dir });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /"alg": "RS256"/);
    assert.match(result.stdout, /"sub": "alice"/);
    assert.match(result.stdout, /"name": "alice\/app"/);
    assert.match(result.stdout, /would ACCEPT this token/);
  });

  test('reads the token from stdin with -', async () => {
    assert.equal((await purser(['token', 'decode', '-'], { cwd: dir, input: `${token}\n` })).code, 0);
  });

  const rejections: Array<[string, Record<string, string>, RegExp]> = [
    ['another issuer', { PURSER_ISSUER: 'acme' }, /it logs: token from untrusted issuer: "purser"/],
    ['another service', { PURSER_SERVICE: 'other' }, /it logs: token intended for another audience: "Docker registry"/],
  ];
  for (const [what, env, message] of rejections) {
    test(`a registry expecting ${what} rejects it, and the fix is given`, async () => {
      const result = await purser(['token', 'decode', token], { cwd: dir, env });
      assert.equal(result.code, 1);
      assert.match(result.stdout, message);
      assert.match(result.stdout, /fix: /);
    });
  }

  test('a registry that does not trust the key rejects it: the x5c chain, as registry 2.x and 3 check it', async () => {
    const other = tempDir();
    try {
      mkdirSync(join(other.dir, 'certs'));
      const stranger = freshPair();
      writeFileSync(join(other.dir, 'certs/token.key'), stranger.keyPem);
      writeFileSync(join(other.dir, 'certs/token.crt'), stranger.certPem);
      const result = await purser(['token', 'decode', token], { cwd: other.dir });
      assert.equal(result.code, 1);
      assert.match(result.stdout, /certificate signed by unknown authority/);
      // Without x5c the kid decides: the registry's famous message.
      const [h = '', c = '', s = ''] = token.split('.');
      const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
      delete header.x5c;
      const noX5c = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${c}.${s}`;
      const byKid = await purser(['token', 'decode', noX5c], { cwd: other.dir });
      assert.match(byKid.stdout, /it logs: token signed by untrusted key with ID: "[A-Z2-7:]{59}"/);
    } finally {
      other.cleanup();
    }
  });

  describe('without the private key', () => {
    test('a certificate alone is enough to verify the signature', async () => {
      const certOnly = tempDir();
      try {
        mkdirSync(join(certOnly.dir, 'certs'));
        writeFileSync(join(certOnly.dir, 'certs/token.crt'), signingPair().certPem);
        const result = await purser(['token', 'decode', token], { cwd: certOnly.dir });
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.match(result.stdout, /signature: verified with a certificate from .*certs\/token\.crt/);
        assert.match(result.stdout, /would ACCEPT this token/);
        const named = await purser(['token', 'decode', token], { cwd: certOnly.dir, env: { PURSER_SIGNING_CERT: 'elsewhere.crt' } });
        assert.match(named.stdout, /signature not checked: .*elsewhere\.crt does not exist/, 'PURSER_SIGNING_CERT names the certificate');
      } finally {
        certOnly.cleanup();
      }
    });

    test('with no certificate it prints the claims, says "signature not checked" and claims no acceptance (exit 3)', async () => {
      const empty = tempDir();
      try {
        const result = await purser(['token', 'decode', token], { cwd: empty.dir });
        assert.equal(result.code, 3, result.stdout + result.stderr);
        assert.equal(result.stderr, '');
        assert.match(result.stdout, /"sub": "alice"/);
        assert.match(result.stdout, /"name": "alice\/app"/);
        assert.match(result.stdout, /signature not checked: no certificate/);
        assert.match(result.stdout, /--cert FILE/);
        assert.doesNotMatch(result.stdout, /ACCEPT/);
        // The claims are still checked: a wrong issuer is a rejection with or without a certificate.
        const wrongIssuer = await purser(['token', 'decode', token], { cwd: empty.dir, env: { PURSER_ISSUER: 'acme' } });
        assert.equal(wrongIssuer.code, 1);
        assert.match(wrongIssuer.stdout, /signature not checked/);
        assert.match(wrongIssuer.stdout, /it logs: token from untrusted issuer: "purser"/);
        assert.match((await purser(['token', 'decode', '--help'], { cwd: empty.dir })).stdout, /3 when nothing but the\s+signature is in doubt/);
      } finally {
        empty.cleanup();
      }
    });

    test('--cert checks against the file given: the right certificate verifies, another key is rejected', async () => {
      const empty = tempDir();
      try {
        writeFileSync(join(empty.dir, 'right.crt'), signingPair().certPem);
        writeFileSync(join(empty.dir, 'other.crt'), freshPair().certPem);
        writeFileSync(join(empty.dir, 'none.crt'), 'not a certificate\n');
        const right = await purser(['token', 'decode', token, '--cert', 'right.crt'], { cwd: empty.dir });
        assert.equal(right.code, 0, right.stdout + right.stderr);
        assert.match(right.stdout, /would ACCEPT this token/);
        const other = await purser(['token', 'decode', token, '--cert', 'other.crt'], { cwd: empty.dir });
        assert.equal(other.code, 1);
        assert.match(other.stdout, /signature: not verified; the token was not signed by a key from .*other\.crt/);
        assert.match(other.stdout, /REJECT/);
        // Same key ID, other key: the signature itself is bad.
        const stranger = freshPair();
        const [h = '', c = ''] = token.split('.');
        const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
        delete header.x5c;
        const h2 = Buffer.from(JSON.stringify(header)).toString('base64url');
        const forged = `${h2}.${c}.${sign('sha256', Buffer.from(`${h2}.${c}`), stranger.keyPem).toString('base64url')}`;
        const bad = await purser(['token', 'decode', forged, '--cert', 'right.crt'], { cwd: empty.dir });
        assert.equal(bad.code, 1);
        assert.match(bad.stdout, /signature: BAD/);
        assert.match(bad.stdout, /it logs: unable to verify token signature/);
        const none = await purser(['token', 'decode', token, '--cert', 'none.crt'], { cwd: empty.dir });
        assert.equal(none.code, 1);
        assert.match(none.stderr, /none\.crt.*holds no PEM certificate/);
        assert.equal((await purser(['token', 'decode', token, '--cert', 'missing.crt'], { cwd: empty.dir })).code, 1);
      } finally {
        empty.cleanup();
      }
    });
  });

  test('an expired token, a tampered one, a refresh token and garbage are all rejected with reasons', async () => {
    const [h = '', c = '', s = ''] = token.split('.');
    const claims = JSON.parse(Buffer.from(c, 'base64url').toString()) as Record<string, unknown>;
    const expired = `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: 1_000_000_000 })).toString('base64url')}.${s}`;
    const result = await purser(['token', 'decode', expired], { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /token not to be used after 2001-09-09/);
    assert.match(result.stdout, /unable to verify token signature/);
    const refresh = ((await (await fetch(`${app.url}/auth?service=Docker%20registry&offline_token=true`, { headers: { Authorization: basic('alice', TEST_USERS.alice) } })).json()) as { refresh_token: string }).refresh_token;
    const asRefresh = await purser(['token', 'decode', refresh], { cwd: dir });
    assert.equal(asRefresh.code, 1);
    assert.match(asRefresh.stdout, /REJECT this refresh token/);
    assert.match(asRefresh.stdout, /exchange it at POST \/auth/);
    const garbage = await purser(['token', 'decode', 'not.a.token'], { cwd: dir });
    assert.equal(garbage.code, 1);
    assert.match(garbage.stdout, /malformed token/);
    assert.equal((await purser(['token', 'decode'], { cwd: dir })).code, 2);
  });
});
