import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import yaml from 'js-yaml';
import { purser, tempDir } from '../../helpers/cli.js';

describe('purser registry-config and purser jwks', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  test('prints auth: token: blocks from the live settings', async () => {
    const result = await purser(['registry-config', '--realm', 'https://auth.example.com:5001/auth'], {
      cwd: dir,
      env: { PURSER_ISSUER: 'acme auth', PURSER_SERVICE: 'acme registry, other', PURSER_SIGNING_CERT: '/etc/purser/token.crt' },
    });
    assert.equal(result.code, 0, result.stderr);
    const [first = '', second = ''] = result.stdout.split('\n\n');
    assert.deepEqual(yaml.load(first), {
      auth: { token: { realm: 'https://auth.example.com:5001/auth', service: 'acme registry', issuer: 'acme auth', rootcertbundle: '/etc/purser/token.crt' } },
    });
    assert.deepEqual((yaml.load(second) as { auth: { token: Record<string, string> } }).auth.token.jwks, '/etc/docker/registry/jwks.json');
    assert.match(second, /PURSER_KID_FORMAT=thumbprint/);
  });

  test('a realm that is not a URL is bad usage', async () => {
    assert.equal((await purser(['registry-config', '--realm', 'auth.example.com'], { cwd: dir })).code, 2);
  });

  test('jwks writes the key IDs tokens carry', async () => {
    assert.equal((await purser(['certs', 'init'], { cwd: dir })).code, 0);
    const result = await purser(['jwks', '--out', 'jwks.json'], { cwd: dir, env: { PURSER_KID_FORMAT: 'thumbprint' } });
    assert.equal(result.code, 0, result.stderr);
    const jwks = JSON.parse(readFileSync(join(dir, 'jwks.json'), 'utf8')) as { keys: Array<{ kid: string; kty: string; d?: string }> };
    assert.equal(jwks.keys.length, 1);
    assert.match(jwks.keys[0]?.kid ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.equal(jwks.keys[0]?.d, undefined);
    const libtrust = await purser(['jwks'], { cwd: dir });
    assert.match((JSON.parse(libtrust.stdout) as { keys: Array<{ kid: string }> }).keys[0]?.kid ?? '', /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
  });
});
