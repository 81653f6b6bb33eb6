import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseIpRange } from '../../../src/authz/ip-range.js';
import { clientIp } from '../../../src/http/client-ip.js';

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
    ['an unreadable entry stops the walk at the last good hop', '10.0.0.5', '198.51.100.1, garbage, 10.2.2.2', proxies, '10.2.2.2'],
    ['all hops trusted: the left-most', '10.0.0.5', '10.9.9.9, 10.8.8.8', proxies, '10.9.9.9'],
    ['no peer address', undefined, '198.51.100.1', proxies, undefined],
  ];
  for (const [what, peer, header, trusted, expected] of cases) {
    test(what, () => assert.equal(clientIp(peer, header, trusted), expected));
  }
});
