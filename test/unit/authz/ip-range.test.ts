import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizeIp, parseIpRange, rangeContains, rangeCovers } from '../../../src/authz/ip-range.js';

describe('client addresses', () => {
  const cases: Array<[string, string | undefined]> = [
    ['10.1.2.3', '10.1.2.3'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['::FFFF:7f00:1', '127.0.0.1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['[::1]', '::1'],
    ['::1', '::1'],
    ['not-an-ip', undefined],
    ['10.1.2', undefined],
    ['', undefined],
  ];
  for (const [input, expected] of cases) {
    test(`normalizes ${JSON.stringify(input)} to ${String(expected)}`, () => assert.equal(normalizeIp(input), expected));
  }
});

describe('address ranges', () => {
  const contains: Array<[string, string, boolean]> = [
    ['127.0.0.1', '127.0.0.1', true],
    ['127.0.0.1', '127.0.0.2', false],
    ['127.0.0.0/8', '127.255.0.1', true],
    ['127.0.0.0/8', '128.0.0.1', false],
    ['10.0.0.0/31', '10.0.0.1', true],
    ['10.0.0.0/31', '10.0.0.2', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['0.0.0.0/0', '2001:db8::1', false],
    ['2001:db8::/48', '2001:db8::1', true],
    ['2001:db8::/48', '2001:db8:1::1', false],
    ['2001:db8::1', '2001:db8::1', true],
    ['::/0', '::1', true],
    // A mapped block counts as IPv4.
    ['::ffff:10.0.0.0/104', '10.9.9.9', true],
    ['192.168.1.0/25', '192.168.1.127', true],
    ['192.168.1.0/25', '192.168.1.128', false],
  ];
  for (const [range, address, expected] of contains) {
    test(`${range} ${expected ? 'contains' : 'does not contain'} ${address}`, () => {
      assert.equal(rangeContains(parseIpRange(range), normalizeIp(address) as string), expected);
    });
  }

  // cesanta/docker_auth's validation cases.
  for (const bad of ['192.168.0.1/100', '192.168.0.*', 'foo', '2001:db8::/222', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/8/8']) {
    test(`refuses ${bad}`, () => assert.throws(() => parseIpRange(bad)));
  }

  test('knows when one range covers another', () => {
    assert.equal(rangeCovers(parseIpRange('10.0.0.0/8'), parseIpRange('10.1.0.0/16')), true);
    assert.equal(rangeCovers(parseIpRange('10.1.0.0/16'), parseIpRange('10.0.0.0/8')), false);
    assert.equal(rangeCovers(parseIpRange('10.0.0.0/8'), parseIpRange('::/0')), false);
  });
});
