import { normalizeIp, rangeContains, type IpRange } from '../authz/ip-range.js';

/**
 * Counts open connections per client address, so that one address holding many idle connections
 * cannot use up the process's file descriptors and server.maxConnections for everyone else.
 * Connections from a trusted proxy (PURSER_TRUSTED_PROXIES) are not counted: every client behind
 * the proxy arrives from its address, so a per-address cap would cap them all together.
 */
export class ConnectionLimit {
  readonly #perAddress: number;
  readonly #trusted: readonly IpRange[];
  readonly #open = new Map<string, number>();

  constructor(perAddress: number, trusted: readonly IpRange[]) {
    this.#perAddress = perAddress;
    this.#trusted = trusted;
  }

  /**
   * Counts a new connection from `remoteAddress` (a socket's, as Node reports it). Returns the
   * function to call when it closes, or undefined when the address already has its fill (nothing
   * is counted then: close the connection).
   */
  admit(remoteAddress: string | undefined): (() => void) | undefined {
    const address = (remoteAddress === undefined ? undefined : normalizeIp(remoteAddress)) ?? '';
    if (address !== '' && this.#trusted.some((range) => rangeContains(range, address))) return () => {};
    const open = this.#open.get(address) ?? 0;
    if (open >= this.#perAddress) return undefined;
    this.#open.set(address, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#open.get(address) ?? 1) - 1;
      if (left === 0) this.#open.delete(address);
      else this.#open.set(address, left);
    };
  }

  /** Open connections counted for `address` (normalized). */
  openFrom(address: string): number {
    return this.#open.get(address) ?? 0;
  }
}
