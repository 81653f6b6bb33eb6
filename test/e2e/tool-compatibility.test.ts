/**
 * What purser writes, read by the tools people check it with: Apache's htpasswd verifies the users
 * `purser user add` writes, and openssl agrees with the certificates `purser certs tls` makes.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { purser, tempDir } from '../helpers/cli.js';

describe('Apache htpasswd reads what purser user writes', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const verifies = (user: string, password: string) => spawnSync('htpasswd', ['-vb', join(dir, 'users.htpasswd'), user, password]).status === 0;

  test('htpasswd -vb accepts the right password and refuses a wrong one, after add and passwd', async () => {
    assert.equal((await purser(['user', 'add', 'carol', '--password-stdin', '--cost', '5'], { cwd: dir, input: 'correct horse\n' })).code, 0);
    assert.equal(verifies('carol', 'correct horse'), true);
    assert.equal(verifies('carol', 'wrong horse'), false);
    assert.equal((await purser(['user', 'passwd', 'carol', '--password-stdin'], { cwd: dir, input: 'battery staple' })).code, 0);
    assert.equal(verifies('carol', 'battery staple'), true);
    assert.equal(verifies('carol', 'correct horse'), false);
  });

  test('purser reads what htpasswd -B writes', async () => {
    execFileSync('htpasswd', ['-Bb', '-C', '5', join(dir, 'users.htpasswd'), 'dave', 'dave-password']);
    const listed = await purser(['user', 'list'], { cwd: dir });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^dave\tbcrypt cost 5/m);
  });
});

describe('openssl agrees with purser certs tls', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  test('openssl verify accepts the chain, and x509 -text shows the SANs and usages', async () => {
    const made = await purser(['certs', 'tls', '--host', 'registry.test', '--ip', '127.0.0.1', '--ip', '::1'], { cwd: dir });
    assert.equal(made.code, 0, made.stderr);
    const ca = join(dir, 'certs/ca/ca.crt');
    const cert = join(dir, 'certs/tls.crt');
    assert.match(execFileSync('openssl', ['verify', '-CAfile', ca, cert]).toString(), /tls\.crt: OK/);
    const text = execFileSync('openssl', ['x509', '-in', cert, '-noout', '-text']).toString();
    assert.match(text, /DNS:registry\.test, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
    assert.match(text, /TLS Web Server Authentication/);
    assert.match(text, /Key Usage: critical\s+Digital Signature, Key Encipherment/);
    assert.match(text, /Basic Constraints: critical\s+CA:FALSE/);
    const caText = execFileSync('openssl', ['x509', '-in', ca, '-noout', '-text']).toString();
    assert.match(caText, /Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    assert.match(caText, /Certificate Sign, CRL Sign/);
  });

  test('the token signing certificate from certs init reads as a v3 certificate', async () => {
    assert.equal((await purser(['certs', 'init', '--alg', 'ES256'], { cwd: dir })).code, 0);
    const text = execFileSync('openssl', ['x509', '-in', join(dir, 'certs/token.crt'), '-noout', '-text']).toString();
    assert.match(text, /Version: 3/);
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
    assert.match(execFileSync('openssl', ['verify', '-CAfile', join(dir, 'certs/token.crt'), join(dir, 'certs/token.crt')]).toString(), /OK/);
  });
});
