import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checksumValid, generateSecret, hashSecret, looksLikeApiToken } from '../../../src/authn/api-token-secret.js';

describe('API token secrets', () => {
  test('purser_, 43 base62 digits of randomness and a 6-digit checksum', () => {
    const secret = generateSecret();
    assert.match(secret, /^purser_[0-9A-Za-z]{49}$/);
    assert.ok(looksLikeApiToken(secret));
    assert.ok(checksumValid(secret));
    assert.notEqual(generateSecret(), secret);
  });

  test('a mistyped character or a cut-off token fails the checksum, without any lookup', () => {
    const secret = generateSecret();
    for (let i = 7; i < secret.length; i += 7) {
      const ch = secret[i] === 'a' ? 'b' : 'a';
      const typo = `${secret.slice(0, i)}${ch}${secret.slice(i + 1)}`;
      assert.equal(checksumValid(typo), false, `position ${i}`);
    }
    assert.equal(checksumValid(secret.slice(0, -1)), false);
    assert.equal(looksLikeApiToken(secret.slice(0, -1)), false);
  });

  test('other passwords are not taken for tokens', () => {
    for (const text of ['purser_', 'purser-secret', `Purser_${'a'.repeat(49)}`, `purser_${'a'.repeat(48)}!`, 'eyJhbGciOi.x.y']) {
      assert.equal(looksLikeApiToken(text), false, text);
    }
  });

  test('the file holds sha256: and the hex SHA-256 of the secret', () => {
    // SHA-256("purser_x"), computed with sha256sum.
    assert.equal(hashSecret('purser_x'), 'sha256:3913ab77e88876aeba8615c6e67af4260b8b2852efc1bcb5716a3b04e280af6a');
    assert.match(hashSecret(generateSecret()), /^sha256:[0-9a-f]{64}$/);
  });
});
