import type { Decision, Identity } from '../auth.js';
import type { Snapshot } from '../config/snapshot.js';

interface Shared {
  readonly accessToken: string;
  readonly jti: string;
  /** Epoch seconds. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

const MAX_ENTRIES = 10_000;

/**
 * PURSER_GRANT_REUSE: identical grants asked for within the window share one signed token. A
 * grant is identical when service, account, identity source, labels and the access granted all
 * are. The cache belongs to the configuration snapshot, so a reload, a key rotation or a revoked
 * credential (a new snapshot) starts it empty. A token is shared only while it still has at least
 * PURSER_TOKEN_TTL minus the window to live, and the client is told its true remaining life.
 */
const caches = new WeakMap<Snapshot, Map<string, Shared>>();

export function grantKey(identity: Identity, service: string, decisions: readonly Decision[]): string {
  const labels = [...identity.labels].map(([k, v]) => [k, [...v].sort()] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const access = decisions.map((d) => [d.scope.type, d.scope.class ?? '', d.scope.name, d.granted]);
  return JSON.stringify([service, identity.account, identity.source, labels, access]);
}

export function sharedToken(snapshot: Snapshot, key: string, now: number): Shared | undefined {
  const window = snapshot.settings.grantReuse;
  if (window === 0) return undefined;
  const shared = caches.get(snapshot)?.get(key);
  if (shared === undefined) return undefined;
  if (now - shared.issuedAt > window || shared.expiresAt - now < snapshot.settings.tokenTtl - window) return undefined;
  return shared;
}

export function shareToken(snapshot: Snapshot, key: string, token: Shared): void {
  if (snapshot.settings.grantReuse === 0) return;
  let cache = caches.get(snapshot);
  if (cache === undefined) {
    cache = new Map();
    caches.set(snapshot, cache);
  }
  cache.delete(key);
  cache.set(key, token);
  while (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
}
