import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseSigningMaterial } from '../../../src/token/signing-key.js';
import { libtrustKeyId } from '../../../src/token/key-id.js';
import { purser, tempDir } from '../../helpers/cli.js';

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const bundleOf = (file: string) => (readFileSync(file, 'utf8').match(PEM) ?? []).map((pem) => new X509Certificate(pem));

describe('purser certs init', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  test('makes a key (0600) and its certificate, and prints the key ID', async () => {
    const result = await purser(['certs', 'init'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const key = join(dir, 'certs/token.key');
    const cert = join(dir, 'certs/token.crt');
    assert.equal(statSync(key).mode & 0o777, 0o600);
    const material = parseSigningMaterial(readFileSync(key, 'utf8'), readFileSync(cert, 'utf8'), { key, cert });
    assert.equal(material.alg, 'RS256');
    assert.match(result.stdout, new RegExp(`key ID \\(libtrust\\): +${libtrustKeyId((material.certificates[0] as X509Certificate).publicKey)}`));
  });

  test('refuses to overwrite without --force', async () => {
    const before = readFileSync(join(dir, 'certs/token.key'), 'utf8');
    const result = await purser(['certs', 'init'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /exists; not replacing it without --force/);
    assert.equal(readFileSync(join(dir, 'certs/token.key'), 'utf8'), before);
    assert.equal((await purser(['certs', 'init', '--force'], { cwd: dir })).code, 0);
    assert.notEqual(readFileSync(join(dir, 'certs/token.key'), 'utf8'), before);
  });

  test('--force makes a key that was readable by others 0600 again, as it says', async () => {
    mkdirSync(join(dir, 'loose'));
    for (const name of ['token.key', 'token.crt']) {
      writeFileSync(join(dir, 'loose', name), 'old\n');
      chmodSync(join(dir, 'loose', name), 0o644);
    }
    const result = await purser(['certs', 'init', '--dir', 'loose', '--force'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /mode 0600/);
    assert.equal(statSync(join(dir, 'loose/token.key')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'loose/token.crt')).mode & 0o777, 0o644);
  });

  test('--dir, --alg ES256 and --days', async () => {
    const result = await purser(['certs', 'init', '--dir', 'ec', '--alg', 'ES256', '--days', '30'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const cert = new X509Certificate(readFileSync(join(dir, 'ec/token.crt')));
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    const days = (new Date(cert.validTo).getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 29 && days < 31, String(days));
  });

  test('bad values are bad usage', async () => {
    assert.equal((await purser(['certs', 'init', '--dir', 'x', '--alg', 'HS256'], { cwd: dir })).code, 2);
    assert.equal((await purser(['certs', 'init', '--dir', 'x', '--days', 'ten'], { cwd: dir })).code, 2);
  });
});

describe('purser certs tls', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  test('makes a CA and a server certificate with every name and address', async () => {
    const result = await purser(['certs', 'tls', '--host', 'registry.test', '--host', 'localhost', '--ip', '127.0.0.1', '--ip', '::1'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\/etc\/docker\/certs\.d\/registry\.test:PORT\/ca\.crt/);
    assert.match(result.stdout, /\/etc\/docker\/certs\.d\/\[::1\]:PORT\/ca\.crt/);
    assert.match(result.stdout, /containerd/);
    // openssl's own view of these files is checked in test/e2e/tool-compatibility.test.ts.
    const ca = new X509Certificate(readFileSync(join(dir, 'certs/ca/ca.crt')));
    const server = new X509Certificate(readFileSync(join(dir, 'certs/tls.crt')));
    assert.equal(ca.ca, true);
    assert.equal(server.ca, false);
    assert.ok(server.checkIssued(ca) && server.verify(ca.publicKey), 'signed by the CA');
    assert.equal(server.subjectAltName, 'DNS:registry.test, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    assert.deepEqual(server.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.equal(statSync(join(dir, 'certs/ca/ca.key')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'certs/tls.key')).mode & 0o777, 0o600);
  });

  test('a client trusting only the CA completes a TLS handshake by host name and by IP', async () => {
    const server = createServer({ key: readFileSync(join(dir, 'certs/tls.key')), cert: readFileSync(join(dir, 'certs/tls.crt')) }, (socket) => socket.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '::', resolve));
    const { port } = server.address() as AddressInfo;
    const ca = readFileSync(join(dir, 'certs/ca/ca.crt'));
    const handshake = (host: string, servername?: string) =>
      new Promise<string>((resolve) => {
        const socket = connect({ host, port, ca, ...(servername ? { servername } : {}) }, () => {
          resolve(socket.authorized ? 'ok' : 'unauthorized');
          socket.end();
        });
        socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      });
    try {
      assert.equal(await handshake('127.0.0.1', 'registry.test'), 'ok');
      assert.equal(await handshake('127.0.0.1'), 'ok');
      assert.equal(await handshake('::1'), 'ok');
      assert.equal(await handshake('127.0.0.1', 'elsewhere.test'), 'ERR_TLS_CERT_ALTNAME_INVALID');
    } finally {
      server.close();
    }
  });

  test('replacing a server key that was readable by others leaves it 0600', async () => {
    mkdirSync(join(dir, 'loose'));
    writeFileSync(join(dir, 'loose/tls.key'), 'old\n');
    chmodSync(join(dir, 'loose/tls.key'), 0o644);
    const result = await purser(['certs', 'tls', '--host', 'loose.test', '--dir', 'loose'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /tls\.key \(mode 0600\)/);
    assert.equal(statSync(join(dir, 'loose/tls.key')).mode & 0o777, 0o600);
  });

  test('reuses the CA on later runs', async () => {
    const ca = readFileSync(join(dir, 'certs/ca/ca.crt'), 'utf8');
    const result = await purser(['certs', 'tls', '--host', 'other.test', '--dir', 'other'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /using the CA/);
    assert.equal(readFileSync(join(dir, 'certs/ca/ca.crt'), 'utf8'), ca);
    const other = new X509Certificate(readFileSync(join(dir, 'other/tls.crt')));
    assert.ok(other.verify(new X509Certificate(ca).publicKey));
  });

  test('needs at least one name, and checks them', async () => {
    assert.equal((await purser(['certs', 'tls'], { cwd: dir })).code, 2);
    assert.equal((await purser(['certs', 'tls', '--ip', '300.1.1.1'], { cwd: dir })).code, 2);
    assert.equal((await purser(['certs', 'tls', '--host', '10.0.0.1'], { cwd: dir })).code, 2);
    assert.equal((await purser(['certs', 'tls', '--host', 'bad host'], { cwd: dir })).code, 2);
  });
});

describe('purser certs rotate', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const files = { key: join(dir, 'certs/token.key'), cert: join(dir, 'certs/token.crt') };
  const material = () => parseSigningMaterial(readFileSync(files.key, 'utf8'), readFileSync(files.cert, 'utf8'), files);

  test('prepare, promote and retire, each leaving files purser accepts', async () => {
    assert.equal((await purser(['certs', 'init'], { cwd: dir })).code, 0);
    const original = bundleOf(files.cert)[0] as X509Certificate;

    const prepared = await purser(['certs', 'rotate'], { cwd: dir });
    assert.equal(prepared.code, 0, prepared.stderr);
    assert.match(prepared.stdout, /restart it/);
    assert.match(prepared.stdout, /--promote/);
    assert.ok(existsSync(`${files.key}.next`));
    assert.equal(statSync(`${files.key}.next`).mode & 0o777, 0o600);
    // Still signing with the original key; the new certificate is trusted but second.
    assert.deepEqual(bundleOf(files.cert).map((c) => c.fingerprint256)[0], original.fingerprint256);
    assert.equal(bundleOf(files.cert).length, 2);
    assert.ok((material().certificates[0] as X509Certificate).checkPrivateKey(material().privateKey));

    assert.equal((await purser(['certs', 'rotate'], { cwd: dir })).code, 1, 'a second prepare is refused');

    const promoted = await purser(['certs', 'rotate', '--promote'], { cwd: dir });
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.equal(existsSync(`${files.key}.next`), false);
    const after = bundleOf(files.cert);
    assert.equal(after.length, 2);
    assert.equal(after[1]?.fingerprint256, original.fingerprint256, 'the old certificate stays, second');
    assert.ok(after[0]?.checkPrivateKey(createPrivateKey(readFileSync(files.key))), 'the new key signs');
    assert.doesNotThrow(material);
    assert.match(promoted.stdout, /--retire/);

    const retired = await purser(['certs', 'rotate', '--retire'], { cwd: dir });
    assert.equal(retired.code, 0, retired.stderr);
    assert.equal(bundleOf(files.cert).length, 1);
    assert.doesNotThrow(material);
  });

  test('promote leaves the signing key 0600 even if the prepared key was made readable by others', async () => {
    const looseKey = join(dir, 'loose/token.key');
    assert.equal((await purser(['certs', 'init', '--dir', 'loose'], { cwd: dir })).code, 0);
    assert.equal((await purser(['certs', 'rotate', '--dir', 'loose'], { cwd: dir })).code, 0);
    chmodSync(`${looseKey}.next`, 0o644);
    const promoted = await purser(['certs', 'rotate', '--promote', '--dir', 'loose'], { cwd: dir });
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.equal(statSync(looseKey).mode & 0o777, 0o600);
  });

  test('promote without a prepared key is an error', async () => {
    const result = await purser(['certs', 'rotate', '--promote'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /nothing to promote/);
  });

  test('promote refuses a prepared key whose certificate left the bundle', async () => {
    assert.equal((await purser(['certs', 'rotate'], { cwd: dir })).code, 0);
    writeFileSync(files.cert, bundleOf(files.cert)[0]?.toString() ?? '');
    const result = await purser(['certs', 'rotate', '--promote'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no certificate .* belongs to/);
    assert.doesNotThrow(material);
  });
});
