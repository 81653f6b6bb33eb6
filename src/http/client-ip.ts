import { normalizeIp, rangeContains, type IpRange } from '../authz/ip-range.js';

/**
 * The client's address: the socket peer, unless that peer is a trusted proxy (PURSER_TRUSTED_PROXIES).
 * Only then is X-Forwarded-For read, from the right: each proxy appends the address it received from,
 * so the right-most entry that is not itself a trusted proxy is the client. Entries further left were
 * written by the client and prove nothing. A forged header from an untrusted peer changes nothing.
 */
export function clientIp(
  remoteAddress: string | undefined,
  forwardedFor: string | readonly string[] | undefined,
  trusted: readonly IpRange[],
): string | undefined {
  const peer = remoteAddress === undefined ? undefined : normalizeIp(remoteAddress);
  if (peer === undefined || !isTrusted(peer, trusted) || forwardedFor === undefined) return peer;
  const hops = (typeof forwardedFor === 'string' ? forwardedFor : forwardedFor.join(','))
    .split(',')
    .map((hop) => hop.trim());
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeIp(hops[i] ?? '');
    // An entry that is not an address means the chain can't be followed further.
    if (hop === undefined) break;
    client = hop;
    if (!isTrusted(hop, trusted)) break;
  }
  return client;
}

function isTrusted(address: string, trusted: readonly IpRange[]): boolean {
  return trusted.some((range) => rangeContains(range, address));
}
