import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConcurrencyLimiter } from '../../../src/authn/concurrency-limiter.js';
import { CredentialCache } from '../../../src/authn/credential-cache.js';
import { parseHtpasswd } from '../../../src/authn/htpasswd.js';
import { PasswordVerifier } from '../../../src/authn/password-verifier.js';
import { frozenClock } from '../../helpers/clock.js';
import { htpasswdFor } from '../../helpers/users.js';

function setup(ttl = 60) {
  const users = parseHtpasswd(htpasswdFor({ alice: 'right' }, 6), 'u').users;
  const bcryptRuns: number[] = [];
  const lookups: boolean[] = [];
  const limiter = new ConcurrencyLimiter({ concurrency: 2, queueLimit: 100, maxWaitMs: 10_000 });
  const verifier = new PasswordVerifier(new CredentialCache(ttl, 100, frozenClock()), limiter, {
    onBcrypt: (s) => bcryptRuns.push(s),
    onCacheLookup: (hit) => lookups.push(hit),
  });
  const alice = users.get('alice');
  assert.ok(alice);
  return { users, verifier, bcryptRuns, lookups, alice };
}

describe('password verification', () => {
  test('right, wrong and unknown', async () => {
    const { verifier, alice } = setup();
    assert.equal(await verifier.verify(alice, 'right', 6), true);
    assert.equal(await verifier.verify(alice, 'wrong', 6), false);
    assert.equal(await verifier.verifyUnknown('right', 6), false);
  });

  test('an unknown user still costs a bcrypt run (against a dummy hash)', async () => {
    const { verifier, bcryptRuns } = setup();
    await verifier.verifyUnknown('x', 6);
    assert.equal(bcryptRuns.length, 1);
  });

  test('a verified password is remembered; a wrong one never is; unknown names are looked up too', async () => {
    const { verifier, alice, bcryptRuns, lookups } = setup();
    assert.equal(verifier.remembered(alice, 'alice', 'right'), false);
    await verifier.verify(alice, 'right', 6);
    assert.equal(verifier.remembered(alice, 'alice', 'right'), true);
    await verifier.verify(alice, 'wrong', 6);
    assert.equal(verifier.remembered(alice, 'alice', 'wrong'), false);
    assert.equal(verifier.remembered(undefined, 'nobody', 'right'), false);
    assert.equal(bcryptRuns.length, 2);
    // A lookup for every login, known user or not: the cache's counters tell no names apart.
    assert.deepEqual(lookups, [false, true, false, false]);
  });

  test('concurrent checks of the same credentials share one bcrypt run', async () => {
    const { verifier, alice, bcryptRuns } = setup(0);
    const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verify(alice, 'right', 6)));
    assert.deepEqual(new Set(results), new Set([true]));
    assert.equal(bcryptRuns.length, 1);
    const wrong = await Promise.all(Array.from({ length: 5 }, () => verifier.verify(alice, 'nope', 6)));
    assert.deepEqual(new Set(wrong), new Set([false]));
  });

  test('a wrong password of a cheap hash takes as long as a check at the slowest cost', async () => {
    const { verifier, alice } = setup();
    const slowest = 11;
    // Time the slowest cost, as the first unknown users would (the first also makes the dummy hash).
    await verifier.verifyUnknown('x', slowest);
    let started = performance.now();
    await verifier.verifyUnknown('x', slowest);
    await verifier.verifyUnknown('y', slowest);
    const slow = (performance.now() - started) / 2;
    started = performance.now();
    await verifier.verify(alice, 'wrong', slowest);
    const held = performance.now() - started;
    started = performance.now();
    await verifier.verify(alice, 'wrong', 6);
    const plain = performance.now() - started;
    assert.ok(held > slow * 0.5, `a cost-6 failure took ${held.toFixed(1)} ms, a cost-11 check ${slow.toFixed(1)} ms`);
    assert.ok(plain < slow * 0.5, `without a slower cost in the file nothing is held back (${plain.toFixed(1)} ms)`);
  });
});
