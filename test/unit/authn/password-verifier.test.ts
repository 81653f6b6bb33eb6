import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CredentialCache } from '../../../src/authn/credential-cache.js';
import { parseHtpasswd } from '../../../src/authn/htpasswd.js';
import { PasswordVerifier } from '../../../src/authn/password-verifier.js';
import { frozenClock } from '../../helpers/clock.js';
import { htpasswdFor } from '../../helpers/users.js';

function setup(ttl = 60) {
  const users = parseHtpasswd(htpasswdFor({ alice: 'right' }, 6), 'u').users;
  const bcryptRuns: number[] = [];
  const lookups: boolean[] = [];
  const verifier = new PasswordVerifier(new CredentialCache(ttl, 100, frozenClock()), {
    onBcrypt: (s) => bcryptRuns.push(s),
    onCacheLookup: (hit) => lookups.push(hit),
  });
  return { users, verifier, bcryptRuns, lookups, alice: users.get('alice') };
}

describe('password verification', () => {
  test('right, wrong and unknown', async () => {
    const { verifier, alice } = setup();
    assert.equal(await verifier.check(alice, 'alice', 'right', 6), 'ok');
    assert.equal(await verifier.check(alice, 'alice', 'wrong', 6), 'wrong_password');
    assert.equal(await verifier.check(undefined, 'nobody', 'right', 6), 'unknown_user');
  });

  test('an unknown user still costs a bcrypt run (against a dummy hash)', async () => {
    const { verifier, bcryptRuns } = setup();
    await verifier.check(undefined, 'nobody', 'x', 6);
    assert.equal(bcryptRuns.length, 1);
  });

  test('a repeat of a verified password skips bcrypt; a wrong one never does', async () => {
    const { verifier, alice, bcryptRuns, lookups } = setup();
    await verifier.check(alice, 'alice', 'right', 6);
    await verifier.check(alice, 'alice', 'right', 6);
    await verifier.check(alice, 'alice', 'wrong', 6);
    await verifier.check(alice, 'alice', 'wrong', 6);
    assert.equal(bcryptRuns.length, 3);
    assert.deepEqual(lookups, [false, true, false, false]);
  });

  test('concurrent checks of the same credentials share one bcrypt run', async () => {
    const { verifier, alice, bcryptRuns } = setup(0);
    const results = await Promise.all(Array.from({ length: 20 }, () => verifier.check(alice, 'alice', 'right', 6)));
    assert.deepEqual(new Set(results), new Set(['ok']));
    assert.equal(bcryptRuns.length, 1);
    const wrong = await Promise.all(Array.from({ length: 5 }, () => verifier.check(alice, 'alice', 'nope', 6)));
    assert.deepEqual(new Set(wrong), new Set(['wrong_password']));
  });
});
