import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseIpRange } from '../../../src/authz/ip-range.js';
import { clientAddress, UNKNOWN_CLIENT_KEY } from '../../../src/http/client-ip.js';

const proxies = ['10.0.0.0/8', '2001:db8::/32'].map(parseIpRange);

describe('client IP behind proxies', () => {
  const cases: Array<[string, string | undefined, string | string[] | undefined, readonly ReturnType<typeof parseIpRange>[], string | undefined]> = [
    ['the socket peer, when nothing is trusted', '203.0.113.7', '198.51.100.1', [], '203.0.113.7'],
    ['IPv4-mapped peers as IPv4', '::ffff:203.0.113.7', undefined, [], '203.0.113.7'],
    ['a forged header from an untrusted peer changes nothing', '203.0.113.7', '10.1.1.1', proxies, '203.0.113.7'],
    ['a trusted peer without the header is the client', '10.0.0.5', undefined, proxies, '10.0.0.5'],
    ['a trusted peer: the right-most untrusted entry', '10.0.0.5', '198.51.100.1, 203.0.113.9', proxies, '203.0.113.9'],
    ['skipping trusted hops from the right', '10.0.0.5', '198.51.100.1, 203.0.113.9, 10.2.2.2', proxies, '203.0.113.9'],
    ['client-written entries left of it are ignored', '10.0.0.5', '127.0.0.1, 203.0.113.9', proxies, '203.0.113.9'],
    ['several header lines read as one list', '10.0.0.5', ['198.51.100.1', '203.0.113.9, 10.3.3.3'], proxies, '203.0.113.9'],
    ['IPv6 hops', '2001:db8::1', '2001:db9::7', proxies, '2001:db9::7'],
    ['an address with a port gives the address', '10.0.0.5', '203.0.113.9:1234', proxies, '203.0.113.9'],
    ['a bracketed IPv6 address with a port', '10.0.0.5', '[2001:db9::9]:443', proxies, '2001:db9::9'],
    ['a bracketed IPv6 address without a port', '10.0.0.5', '[2001:db9::9]', proxies, '2001:db9::9'],
    ['all hops trusted: the left-most', '10.0.0.5', '10.9.9.9, 10.8.8.8', proxies, '10.9.9.9'],
    ['no peer address', undefined, '198.51.100.1', proxies, undefined],
  ];
  for (const [what, peer, header, trusted, expected] of cases) {
    test(what, () => assert.equal(clientAddress(peer, header, trusted).ip, expected));
  }

  // The finding: each of these made purser use the proxy's own address, which matched ip: rules
  // written for the proxy's network and put every such client on one throttle key.
  const unknown: Array<[string, string]> = [
    ['"unknown"', 'unknown'],
    ['garbage after good entries', '203.0.113.9, garbage'],
    ['garbage between trusted hops', '198.51.100.1, garbage, 10.2.2.2'],
    ['a port without an address', ':1234'],
    ['an IPv6 address with a port but no brackets', '2001:db9::9:443:x'],
    ['an empty entry', '203.0.113.9, '],
  ];
  for (const [what, header] of unknown) {
    test(`a malformed hop means the client is unknown: ${what}`, () => {
      const client = clientAddress('10.0.0.5', header, proxies);
      assert.equal(client.ip, undefined);
      assert.equal(client.throttleKey, UNKNOWN_CLIENT_KEY);
      assert.notEqual(client.throttleKey, '10.0.0.5');
    });
  }

  test('the throttle key of a known client is its address', () => {
    assert.equal(clientAddress('10.0.0.5', '203.0.113.9', proxies).throttleKey, '203.0.113.9');
    assert.equal(clientAddress('203.0.113.7', undefined, []).throttleKey, '203.0.113.7');
  });
});
