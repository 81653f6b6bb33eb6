import assert from 'node:assert/strict';
import { createVerify, verify, X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import jwt from 'jsonwebtoken';
import { parseScope } from '../../../src/authz/scope.js';
import { accessClaims } from '../../../src/token/claims.js';
import { createJwsSigner } from '../../../src/token/jws.js';
import { buildJwks } from '../../../src/token/jwks.js';
import { libtrustKeyId } from '../../../src/token/key-id.js';
import { parseSigningMaterial } from '../../../src/token/signing-key.js';
import { freshPair, signingPair } from '../../helpers/keys.js';

const files = { key: 'k', cert: 'c' };

describe('access token claims (docs/spec/auth/jwt.md)', () => {
  test('carry issuer, subject, a single-string audience, times, jti and per-scope access', () => {
    const claims = accessClaims({
      issuer: 'purser',
      subject: 'alice',
      audience: 'Docker registry',
      decisions: [
        { scope: parseScope('repository:alice/app:pull,push'), granted: ['pull', 'push'], rule: null },
        { scope: parseScope('repository(plugin):bob/x:pull'), granted: [], rule: null },
      ],
      now: 1_800_000_000,
      ttl: 300,
      jti: 'abc',
    });
    assert.deepEqual(claims, {
      iss: 'purser',
      sub: 'alice',
      aud: 'Docker registry',
      exp: 1_800_000_300,
      nbf: 1_800_000_000,
      iat: 1_800_000_000,
      jti: 'abc',
      access: [
        { type: 'repository', name: 'alice/app', actions: ['pull', 'push'] },
        { type: 'repository', class: 'plugin', name: 'bob/x', actions: [] },
      ],
    });
  });

  test('no scope gives an empty access list, never null (what docker login asks for)', () => {
    const claims = accessClaims({ issuer: 'i', subject: '', audience: 'a', decisions: [], now: 0, ttl: 60, jti: 'j' });
    assert.deepEqual(claims.access, []);
  });
});

describe('signing', () => {
  test('RS256 tokens verify with the certificate and carry the header given', async () => {
    const pair = signingPair('RS256');
    const material = parseSigningMaterial(pair.keyPem, pair.certPem, files);
    const cert = material.certificates[0] as X509Certificate;
    const sign = createJwsSigner('RS256', material.privateKey, { typ: 'JWT', kid: libtrustKeyId(cert.publicKey), x5c: [cert.raw.toString('base64')] });
    const token = await sign({ sub: 'alice' });
    const decoded = jwt.verify(token, cert.publicKey, { algorithms: ['RS256'], complete: true });
    assert.deepEqual(decoded.header, { typ: 'JWT', kid: libtrustKeyId(cert.publicKey), x5c: [cert.raw.toString('base64')], alg: 'RS256' });
    assert.deepEqual(decoded.payload, { sub: 'alice' });
    // The x5c entry is standard base64 DER of the signing certificate.
    assert.equal(new X509Certificate(Buffer.from(cert.raw.toString('base64'), 'base64')).fingerprint256, cert.fingerprint256);
  });

  test('ES256 signatures are the raw 64-byte r||s pair, not DER', async () => {
    const pair = signingPair('ES256');
    const material = parseSigningMaterial(pair.keyPem, pair.certPem, files);
    const token = await createJwsSigner('ES256', material.privateKey, { typ: 'JWT' })({ sub: 'x' });
    const [header = '', payload = '', signature = ''] = token.split('.');
    const raw = Buffer.from(signature, 'base64url');
    assert.equal(raw.length, 64);
    const cert = material.certificates[0] as X509Certificate;
    assert.equal(verify('sha256', Buffer.from(`${header}.${payload}`), { key: cert.publicKey, dsaEncoding: 'ieee-p1363' }, raw), true);
    // A DER verifier must not accept it as is.
    assert.equal(createVerify('sha256').update(`${header}.${payload}`).verify(cert.publicKey, raw), false);
  });

  test('a token signed with another key does not verify', async () => {
    const ours = signingPair('RS256');
    const other = freshPair('RS256');
    const material = parseSigningMaterial(other.keyPem, other.certPem, files);
    const token = await createJwsSigner('RS256', material.privateKey, { typ: 'JWT' })({});
    const cert = parseSigningMaterial(ours.keyPem, ours.certPem, files).certificates[0] as X509Certificate;
    assert.throws(() => jwt.verify(token, cert.publicKey, { algorithms: ['RS256'] }), /invalid signature/);
  });
});

describe('JWKS', () => {
  test('one key per certificate, with the kid tokens carry in each format', () => {
    const current = signingPair('RS256');
    const earlier = freshPair('ES256');
    const material = parseSigningMaterial(current.keyPem, current.certPem + earlier.certPem, files);
    const libtrust = buildJwks(material, 'libtrust');
    assert.deepEqual(libtrust.keys.map((k) => [k.kty, k.alg, k.use]), [['RSA', 'RS256', 'sig'], ['EC', 'ES256', 'sig']]);
    assert.equal(libtrust.keys[0]?.kid, libtrustKeyId((material.certificates[0] as X509Certificate).publicKey));
    const thumbprint = buildJwks(material, 'thumbprint');
    assert.match(String(thumbprint.keys[1]?.kid), /^[A-Za-z0-9_-]{43}$/);
    // Public material only.
    for (const key of [...libtrust.keys, ...thumbprint.keys]) assert.equal('d' in key, false);
  });
});
