import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { ConfigError } from '../../../src/errors.js';
import { parseSigningMaterial } from '../../../src/token/signing-key.js';
import { buildCertificate } from '../../../src/certs/x509-builder.js';
import { freshPair, signingPair } from '../../helpers/keys.js';

const files = { key: '/c/token.key', cert: '/c/token.crt' };

function refused(keyPem: string, certPem: string, file: string, message: RegExp): void {
  assert.throws(
    () => parseSigningMaterial(keyPem, certPem, files),
    (err: unknown) => err instanceof ConfigError && err.issues[0]?.file === file && message.test(err.message),
  );
}

describe('signing key and certificate', () => {
  test('an RSA key signs RS256 and an EC P-256 key ES256', () => {
    const rsa = signingPair('RS256');
    const ec = signingPair('ES256');
    assert.equal(parseSigningMaterial(rsa.keyPem, rsa.certPem, files).alg, 'RS256');
    assert.equal(parseSigningMaterial(ec.keyPem, ec.certPem, files).alg, 'ES256');
  });

  test('a bundle keeps the current certificate first and earlier ones after it', () => {
    const current = signingPair('RS256');
    const earlier = freshPair('ES256');
    const material = parseSigningMaterial(current.keyPem, current.certPem + earlier.certPem, files);
    assert.equal(material.certificates.length, 2);
  });

  test('refuses a key and certificate that do not belong together', () => {
    refused(signingPair().keyPem, freshPair().certPem, files.cert, /does not belong to the private key/);
    // The right certificate, but not first in the bundle.
    const pair = signingPair();
    refused(pair.keyPem, freshPair().certPem + pair.certPem, files.cert, /does not belong/);
  });

  test('refuses unreadable, encrypted and unsupported keys', () => {
    refused('not a key', signingPair().certPem, files.key, /cannot read a PEM private key/);
    const encrypted = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'x',
    }) as string;
    refused(encrypted, signingPair().certPem, files.key, /encrypted/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const cert = buildCertificate({ subject: { commonName: 'x' }, publicKey: p384.publicKey, signingKey: p384.privateKey, days: 1, keyUsage: ['digitalSignature'] });
    refused(p384.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, cert, files.key, /unsupported key type ec \(secp384r1\)/);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const smallCert = buildCertificate({ subject: { commonName: 'x' }, publicKey: small.publicKey, signingKey: small.privateKey, days: 1, keyUsage: ['digitalSignature'] });
    refused(small.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, smallCert, files.key, /at least 2048 bits/);
  });

  test('refuses a certificate file without certificates', () => {
    refused(signingPair().keyPem, '', files.cert, /no PEM certificate/);
    refused(signingPair().keyPem, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', files.cert, /cannot be read/);
  });
});
