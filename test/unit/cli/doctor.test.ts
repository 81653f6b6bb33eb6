import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashSecret } from '../../../src/authn/api-token-secret.js';
import { buildCertificate } from '../../../src/certs/x509-builder.js';
import { appendApiToken, type NewApiToken } from '../../../src/config/api-tokens-edit.js';
import { purser } from '../../helpers/cli.js';
import { freshPair } from '../../helpers/keys.js';
import { startFileServer, type FileServer } from '../../helpers/server.js';

interface RegistryConfigOptions {
  realm?: string;
  service?: string;
  issuer?: string;
  rootcertbundle?: string | null;
  jwks?: string;
  auth?: string;
}

describe('purser doctor', () => {
  let server: FileServer;
  before(async () => {
    server = await startFileServer();
  });
  after(() => server.stop());

  /** Writes a registry config.yml in purser's folder and runs doctor on it there. */
  async function doctor(options: RegistryConfigOptions = {}, env: Record<string, string> = {}, extra: string[] = []) {
    const token = [
      `    realm: ${JSON.stringify(options.realm ?? `${server.url}/auth`)}`,
      `    service: ${JSON.stringify(options.service ?? 'Docker registry')}`,
      `    issuer: ${JSON.stringify(options.issuer ?? 'purser')}`,
      ...(options.rootcertbundle === null ? [] : [`    rootcertbundle: ${JSON.stringify(options.rootcertbundle ?? join(server.dir, 'certs/token.crt'))}`]),
      ...(options.jwks === undefined ? [] : [`    jwks: ${JSON.stringify(options.jwks)}`]),
    ];
    const auth = options.auth ?? `auth:\n  token:\n${token.join('\n')}\n`;
    writeFileSync(join(server.dir, 'registry.yml'), `version: 0.1\nhttp:\n  addr: 127.0.0.1:5000\n${auth}`);
    return purser(['doctor', '--registry-config', 'registry.yml', ...extra], { cwd: server.dir, env });
  }

  test('a correct set-up: every check passes, exit 0', async () => {
    const result = await doctor();
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /^ok +purser's configuration loads/m);
    assert.match(result.stdout, /^ok +rootcertbundle .* trusts purser's signing key/m);
    assert.match(result.stdout, /^ok +the registry would accept the realm's tokens/m);
    assert.match(result.stdout, /no problems found/);
  });

  const broken: Array<[string, RegistryConfigOptions, RegExp, RegExp]> = [
    ['a different issuer', { issuer: 'acme' }, /auth\.token\.issuer is "acme", but purser signs as "purser"/, /logged as: token from untrusted issuer: "purser"/],
    ['an unknown service', { service: 'registry' }, /auth\.token\.service is "registry"/, /fix: set auth\.token\.service: "Docker registry"/],
    ['a rootcertbundle without purser\'s certificate', { rootcertbundle: 'other.crt' }, /does not hold purser's signing certificate/, /logged as: token signed by untrusted key with ID: "[A-Z2-7:]+"/],
    ['an unreachable realm', { realm: 'http://127.0.0.1:9/auth' }, /cannot reach the realm http:\/\/127\.0\.0\.1:9/, /fix: start purser/],
    ['a realm with the wrong path', { realm: '' }, /answers 404/, /fix: purser's token endpoint is \/auth/],
    ['no token auth at all', { auth: 'auth:\n  htpasswd:\n    realm: basic\n    path: /etc/htpasswd\n' }, /has no auth: token: section \(it uses htpasswd\)/, /rootcertbundle:/],
    ['neither a bundle nor a JWKS file', { rootcertbundle: null }, /neither auth\.token\.rootcertbundle nor auth\.token\.jwks/, /fix: set auth\.token\.rootcertbundle/],
    ['only a JWKS file in libtrust mode', { rootcertbundle: null, jwks: 'jwks.json' }, /purser sends the certificate in x5c/, /PURSER_KID_FORMAT=thumbprint/],
  ];
  for (const [what, options, problem, fix] of broken) {
    test(`catches ${what}, with the fix: exit 1`, async () => {
      writeFileSync(join(server.dir, 'other.crt'), freshPair().certPem);
      writeFileSync(join(server.dir, 'jwks.json'), JSON.stringify({ keys: [] }));
      const config = what === 'a realm with the wrong path' ? { realm: `${server.url}/token` } : options;
      const result = await doctor(config);
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stdout, problem);
      assert.match(result.stdout, fix);
      assert.match(result.stdout, /problem\(s\) found/);
    });
  }

  test('catches a JWKS file without purser\'s key ID, and accepts the one purser jwks writes', async () => {
    writeFileSync(join(server.dir, 'jwks.json'), JSON.stringify({ keys: [{ kid: 'nope' }] }));
    const stale = await doctor({ jwks: 'jwks.json' });
    assert.equal(stale.code, 1);
    assert.match(stale.stdout, /JWKS .*jwks\.json has no key with purser's key ID/);
    assert.equal((await purser(['jwks', '--out', 'jwks.json'], { cwd: server.dir })).code, 0);
    const fresh = await doctor({ jwks: 'jwks.json' });
    assert.equal(fresh.code, 0, fresh.stdout);
    assert.match(fresh.stdout, /^ok +JWKS .* has purser's key ID/m);
  });

  test('catches an expired signing certificate', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const expired = buildCertificate({
      subject: { commonName: 'old' },
      publicKey,
      signingKey: privateKey,
      days: 30,
      keyUsage: ['digitalSignature'],
      notBefore: new Date(Date.now() - 60 * 86_400_000),
    });
    const keys = { key: join(server.dir, 'expired.key'), cert: join(server.dir, 'expired.crt') };
    writeFileSync(keys.key, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    writeFileSync(keys.cert, expired);
    const result = await doctor({ rootcertbundle: keys.cert }, { PURSER_SIGNING_KEY: keys.key, PURSER_SIGNING_CERT: keys.cert });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /ERROR +purser's signing certificate .*expired on/);
    assert.match(result.stdout, /fix: purser certs rotate/);
  });

  test('warns about API tokens expiring within 14 days, never expiring, or personal with their user gone; warnings only, exit 0', async () => {
    const now = Math.floor(Date.now() / 1000);
    const entry = (id: string, extra: Partial<NewApiToken>): NewApiToken => ({
      id, account: 'ci-bot', name: id, robot: true, hash: hashSecret(`purser_${id}`), scopes: undefined, groups: [], expires: now + 60 * 86_400, created: now, comment: undefined, ...extra,
    });
    const file = join(server.dir, 'api-tokens.yml');
    let text = appendApiToken('', entry('tok_fine01', { name: 'fine' }));
    text = appendApiToken(text, entry('tok_soon01', { name: 'soon', expires: now + 5 * 86_400 - 60 }));
    text = appendApiToken(text, entry('tok_ever01', { name: 'forever', expires: undefined }));
    text = appendApiToken(text, entry('tok_carol1', { account: 'carol', name: 'laptop', robot: false }));
    text = appendApiToken(text, entry('tok_alice1', { account: 'alice', name: 'laptop', robot: false }));
    writeFileSync(file, text);
    try {
      const result = await doctor();
      assert.equal(result.code, 0, result.stdout);
      assert.match(result.stdout, /^WARN +API token tok_soon01 \(ci-bot\/soon\) expires in 5 day\(s\), on \S+Z$/m);
      assert.match(result.stdout, /fix: make a new one \(purser api-token create --account ci-bot .*\), hand it over, then purser api-token revoke tok_soon01/);
      assert.match(result.stdout, /^WARN +API token tok_ever01 \(ci-bot\/forever\) never expires/m);
      assert.match(result.stdout, /^WARN +API token tok_carol1 \(carol\/laptop\) is a personal token, but its user carol is no longer in users\.htpasswd$/m);
      assert.match(result.stdout, /fix: purser api-token revoke tok_carol1/);
      assert.doesNotMatch(result.stdout, /tok_fine01|tok_alice1/);
      assert.equal(result.stdout.match(/^WARN +API token /gm)?.length, 3, result.stdout);
      assert.match(result.stdout, /no problems found/);
    } finally {
      rmSync(file);
    }
  });

  test('catches purser\'s own configuration errors', async () => {
    writeFileSync(join(server.dir, 'broken-acl.yml'), '- match: {acount: x}\n  actions: [pull]\n');
    const result = await doctor({}, { PURSER_ACL: 'broken-acl.yml' });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /purser cannot load its configuration: .*broken-acl\.yml:1: acl\[0\]\.match\.acount/);
  });
});

describe('purser doctor with a TLS realm', () => {
  test('catches a certificate that does not name the realm\'s address; a reissued one is served live and passes', async () => {
    const server = await startFileServer({
      env: { PURSER_TLS_CERT: 'certs/tls.crt', PURSER_TLS_KEY: 'certs/tls.key' },
      // A certificate for a host name only, while clients reach the realm by IP.
      before: async (dir) => assert.equal((await purser(['certs', 'tls', '--host', 'auth.test'], { cwd: dir })).code, 0),
    });
    const config = () =>
      writeFileSync(
        join(server.dir, 'registry.yml'),
        `auth:\n  token:\n    realm: "${server.url}/auth"\n    service: "Docker registry"\n    issuer: purser\n    rootcertbundle: certs/token.crt\n`,
      );
    const run = () => purser(['doctor', '--registry-config', 'registry.yml', '--ca', 'certs/ca/ca.crt'], { cwd: server.dir, env: { PURSER_TLS_CERT: 'certs/tls.crt', PURSER_TLS_KEY: 'certs/tls.key' } });
    try {
      assert.match(server.url, /^https:/);
      config();
      const wrong = await run();
      assert.equal(wrong.code, 1, wrong.stdout);
      assert.match(wrong.stdout, /the TLS certificate at 127\.0\.0\.1:\d+ does not name 127\.0\.0\.1/);
      assert.match(wrong.stdout, /logged as: x509: cannot validate certificate for 127\.0\.0\.1 because it doesn't contain any IP SANs/);
      assert.match(wrong.stdout, /fix: purser certs tls --ip 127\.0\.0\.1/);

      const untrusted = await purser(['doctor', '--registry-config', 'registry.yml'], { cwd: server.dir });
      assert.match(untrusted.stdout, /is not trusted here/);

      // Reissue with the address: purser picks up the new files without a restart.
      assert.equal((await purser(['certs', 'tls', '--host', 'auth.test', '--ip', '127.0.0.1'], { cwd: server.dir })).code, 0);
      let right = await run();
      for (let i = 0; i < 50 && right.code !== 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        right = await run();
      }
      assert.equal(right.code, 0, right.stdout);
      assert.match(right.stdout, /the registry would accept the realm's tokens/);
    } finally {
      await server.stop();
    }
  });
});
