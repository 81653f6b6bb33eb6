import { isIPv4 } from 'node:net';
import { normalizeIp, rangeContains, type IpRange } from '../authz/ip-range.js';

/** Who the client is, as far as the connection and trusted proxies tell. */
export interface ClientAddress {
  /** The client's address; undefined when a trusted proxy passed on something that is not one. */
  readonly ip: string | undefined;
  /** What the throttle counts the client under: its address, or one shared key for unknown clients. */
  readonly throttleKey: string;
}

/** A key no address can take: clients of unknown address share it, and cannot lock out anyone else. */
export const UNKNOWN_CLIENT_KEY = 'unknown-client';

/**
 * The client's address: the socket peer, unless that peer is a trusted proxy (PURSER_TRUSTED_PROXIES).
 * Only then is X-Forwarded-For read, from the right: each proxy appends the address it received from,
 * so the right-most entry that is not itself a trusted proxy is the client. Entries further left were
 * written by the client and prove nothing. A forged header from an untrusted peer changes nothing.
 * An entry with a port (`203.0.113.9:1234`, `[2001:db8::9]:443`) gives its address. Anything else
 * (`unknown`, garbage) means the client is unknown: it must not become the proxy's own address,
 * which ACL rules written for the proxy's network would match.
 */
export function clientAddress(
  remoteAddress: string | undefined,
  forwardedFor: string | readonly string[] | undefined,
  trusted: readonly IpRange[],
): ClientAddress {
  const peer = remoteAddress === undefined ? undefined : normalizeIp(remoteAddress);
  if (peer === undefined) return { ip: undefined, throttleKey: UNKNOWN_CLIENT_KEY };
  if (!isTrusted(peer, trusted) || forwardedFor === undefined) return { ip: peer, throttleKey: peer };
  const hops = (typeof forwardedFor === 'string' ? forwardedFor : forwardedFor.join(',')).split(',').map((hop) => hop.trim());
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hopAddress(hops[i] ?? '');
    if (hop === undefined) return { ip: undefined, throttleKey: UNKNOWN_CLIENT_KEY };
    if (!isTrusted(hop, trusted)) return { ip: hop, throttleKey: hop };
  }
  // Every hop is a trusted proxy: the left-most is the closest to the client that is known.
  const first = hopAddress(hops[0] ?? '') ?? peer;
  return { ip: first, throttleKey: first };
}

/** `a.b.c.d`, `a.b.c.d:port`, an IPv6 address, or `[v6]` with or without `:port`. */
export function hopAddress(hop: string): string | undefined {
  const direct = normalizeIp(hop);
  if (direct !== undefined) return direct;
  const v6 = /^\[([^\]]+)\]:[0-9]{1,5}$/.exec(hop);
  if (v6 !== null) return normalizeIp(v6[1] ?? '');
  const v4 = /^([0-9.]+):[0-9]{1,5}$/.exec(hop);
  if (v4 !== null && isIPv4(v4[1] ?? '')) return v4[1];
  return undefined;
}

function isTrusted(address: string, trusted: readonly IpRange[]): boolean {
  return trusted.some((range) => rangeContains(range, address));
}
