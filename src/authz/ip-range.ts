import { isIPv4, isIPv6 } from 'node:net';

/** An address block: a single address is a /32 (IPv4) or /128 (IPv6). */
export interface IpRange {
  readonly text: string;
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

/**
 * Reduces an address to the form rules are written in: IPv4-mapped IPv6 (`::ffff:10.0.0.1`, what a
 * dual-stack socket reports for IPv4 clients) becomes plain IPv4. Returns undefined for non-addresses.
 */
export function normalizeIp(address: string): string | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return undefined;
  const bytes = ipv6Bytes(bare);
  if (isMappedIpv4(bytes)) return Array.from(bytes.subarray(12)).join('.');
  return bare.toLowerCase();
}

/** Parses `10.0.0.0/8`, `2001:db8::/32` or a single address. Throws a readable message if invalid. */
export function parseIpRange(text: string): IpRange {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const address = normalizeIp(addressText);
  if (address === undefined) throw new Error(`${JSON.stringify(text)} is not an IP address or CIDR block`);
  const bytes = addressBytes(address);
  // A mapped IPv6 block written as ::ffff:a.b.c.d/104 counts as an IPv4 block: its prefix loses 96 bits.
  const mapped = bytes.length === 4 && addressText.includes(':');
  const max = mapped ? 128 : bytes.length * 8;
  let prefix = bytes.length * 8;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(prefixText) || Number(prefixText) > max || (mapped && Number(prefixText) < 96)) {
      throw new Error(`${JSON.stringify(text)} has an invalid prefix length (${mapped ? 96 : 0} to ${max})`);
    }
    prefix = mapped ? Number(prefixText) - 96 : Number(prefixText);
  }
  return { text, bytes, prefix };
}

// One request checks many rules against one client address: parse it once.
let lastAddress = '';
let lastBytes: Uint8Array = new Uint8Array(0);

/** True when `address` (already normalized) falls in the range. */
export function rangeContains(range: IpRange, address: string): boolean {
  if (address !== lastAddress) {
    lastBytes = addressBytes(address);
    lastAddress = address;
  }
  const bytes = lastBytes;
  return bytes.length === range.bytes.length && prefixEqual(range.bytes, bytes, range.prefix);
}

/** True when every address of `inner` is also in `outer`. */
export function rangeCovers(outer: IpRange, inner: IpRange): boolean {
  return (
    outer.bytes.length === inner.bytes.length &&
    outer.prefix <= inner.prefix &&
    prefixEqual(outer.bytes, inner.bytes, outer.prefix)
  );
}

function prefixEqual(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  const whole = prefix >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((a[whole] ?? 0) & mask) === ((b[whole] ?? 0) & mask);
}

/** The 4 or 16 bytes of a normalized address. */
export function addressBytes(address: string): Uint8Array {
  return isIPv4(address) ? Uint8Array.from(address.split('.').map(Number)) : ipv6Bytes(address);
}

function isMappedIpv4(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** Expects a string that net.isIPv6 accepted (zone IDs are dropped). */
function ipv6Bytes(text: string): Uint8Array {
  const address = text.split('%')[0] ?? '';
  const bytes = new Uint8Array(16);
  const [head = '', tail] = address.split('::');
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const group of part.split(':')) {
      if (group.includes('.')) {
        const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
        out.push((a << 8) | b, (c << 8) | d);
      } else {
        out.push(parseInt(group, 16));
      }
    }
    return out;
  };
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const all = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  all.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}
