import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CredentialCache } from '../../../src/authn/credential-cache.js';
import type { UserRecord } from '../../../src/authn/htpasswd.js';
import { frozenClock } from '../../helpers/clock.js';

const user = (name: string, hash = `$2y$10$${name.padEnd(53, 'x')}`): UserRecord => ({ name, hash, cost: 10, line: 1 });

describe('verified-credential cache', () => {
  test('remembers a verified user and password until the TTL passes', () => {
    const clock = frozenClock();
    const cache = new CredentialCache(60, 100, clock);
    const alice = user('alice');
    const key = cache.keyFor('alice', 'pw');
    assert.equal(cache.has(key, alice), false);
    cache.remember(key, alice);
    assert.equal(cache.has(key, alice), true);
    clock.advance(59_999);
    assert.equal(cache.has(key, alice), true);
    clock.advance(1);
    assert.equal(cache.has(key, alice), false);
  });

  test('keys are a keyed hash: no password inside, and another password is another key', () => {
    const cache = new CredentialCache(60, 100, frozenClock());
    const key = cache.keyFor('alice', 'hunter2');
    assert.equal(key.includes('hunter2'), false);
    assert.notEqual(key, cache.keyFor('alice', 'hunter3'));
    assert.notEqual(key, cache.keyFor('alic', 'ehunter2'));
    assert.notEqual(key, new CredentialCache(60, 100, frozenClock()).keyFor('alice', 'hunter2'));
  });

  test('a changed hash voids the entry at once', () => {
    const cache = new CredentialCache(60, 100, frozenClock());
    const key = cache.keyFor('alice', 'pw');
    cache.remember(key, user('alice'));
    assert.equal(cache.has(key, user('alice', `$2y$10$${'y'.repeat(53)}`)), false);
  });

  test('retain drops entries of removed or changed users after a reload', () => {
    const cache = new CredentialCache(60, 100, frozenClock());
    for (const name of ['alice', 'bob', 'carol']) cache.remember(cache.keyFor(name, 'pw'), user(name));
    cache.retain(new Map([['alice', user('alice')], ['bob', user('bob', `$2y$10$${'z'.repeat(53)}`)]]));
    assert.equal(cache.size, 1);
    assert.equal(cache.has(cache.keyFor('alice', 'pw'), user('alice')), true);
  });

  test('is bounded, dropping the least recently used', () => {
    const cache = new CredentialCache(60, 2, frozenClock());
    const [a, b, c] = [user('a'), user('b'), user('c')];
    cache.remember(cache.keyFor('a', 'pw'), a);
    cache.remember(cache.keyFor('b', 'pw'), b);
    assert.equal(cache.has(cache.keyFor('a', 'pw'), a), true); // a is now the most recent
    cache.remember(cache.keyFor('c', 'pw'), c);
    assert.equal(cache.size, 2);
    assert.equal(cache.has(cache.keyFor('b', 'pw'), b), false);
    assert.equal(cache.has(cache.keyFor('a', 'pw'), a), true);
  });

  test('a TTL of 0 disables it', () => {
    const cache = new CredentialCache(0, 100, frozenClock());
    cache.remember(cache.keyFor('a', 'pw'), user('a'));
    assert.equal(cache.size, 0);
  });
});
