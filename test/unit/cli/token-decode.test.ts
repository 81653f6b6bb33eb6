import assert from 'node:assert/strict';
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
