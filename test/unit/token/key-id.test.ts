import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { describe, test } from 'node:test';
import { jwkThumbprint, keyId, libtrustKeyId } from '../../../src/token/key-id.js';

describe('key IDs', () => {
  test('the libtrust key ID of the EC key in distribution docs/spec/auth/jwt.md', () => {
    const key = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: 'm7zUpx3b-zmVE5cymSs64POG9QcyEpJaYCD82-549_Q', y: 'dU3biz8sZ_8GPB-odm8Wxz3lNDr1xcAQQPQaOcr1fmc' },
      format: 'jwk',
    });
    assert.equal(libtrustKeyId(key), 'PYYO:TEWU:V7JH:26JV:AQTZ:LJC3:SXVJ:XGHA:34F2:2LAQ:ZRMK:Z7Q6');
    assert.equal(keyId(key, 'libtrust'), 'PYYO:TEWU:V7JH:26JV:AQTZ:LJC3:SXVJ:XGHA:34F2:2LAQ:ZRMK:Z7Q6');
  });

  const rfc7638 = {
    kty: 'RSA',
    n:
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
    e: 'AQAB',
  };

  test('the RFC 7638 section 3.1 thumbprint', () => {
    assert.equal(jwkThumbprint(rfc7638), 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    // Optional members do not change it.
    assert.equal(jwkThumbprint({ ...rfc7638, kid: '2011-04-29', alg: 'RS256' }), 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    assert.equal(keyId(createPublicKey({ key: rfc7638, format: 'jwk' }), 'thumbprint'), 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  test('refuses key types it has no thumbprint for', () => {
    assert.throws(() => jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: 'x' }), /no RFC 7638 thumbprint/);
  });
});
