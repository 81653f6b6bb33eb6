import type { GrantCap } from '../auth.js';

/** One entry of the API tokens file (PURSER_API_TOKENS). */
export interface ApiToken {
  /** Random and public: for the audit log and `purser api-token revoke`. */
  readonly id: string;
  /** The account the token acts as: a user's (a personal token) or a robot's, which exists only here. */
  readonly account: string;
  /** A label, unique per account. */
  readonly name: string;
  /** A robot token needs no user; a personal one dies with its user. */
  readonly robot: boolean;
  /** `sha256:` and the hex SHA-256 of the secret; the secret itself is never stored. */
  readonly hash: string;
  /** The scope patterns as written; undefined: no cap beyond the ACL. */
  readonly scopes: readonly string[] | undefined;
  readonly cap: GrantCap | undefined;
  /** A robot's groups (its `group` labels). */
  readonly groups: readonly string[];
  /** Epoch seconds; undefined: never. */
  readonly expires: number | undefined;
  /** Epoch seconds. */
  readonly created: number;
  readonly comment: string | undefined;
  readonly line: number | undefined;
}

/** Every API token, indexed by the hash of its secret and by id. */
export interface ApiTokenSet {
  readonly entries: readonly ApiToken[];
  byHash(hash: string): ApiToken | undefined;
  byId(id: string): ApiToken | undefined;
}

export function apiTokenSet(entries: readonly ApiToken[]): ApiTokenSet {
  const hashes = new Map(entries.map((entry) => [entry.hash, entry]));
  const ids = new Map(entries.map((entry) => [entry.id, entry]));
  return { entries, byHash: (hash) => hashes.get(hash), byId: (id) => ids.get(id) };
}

export const NO_API_TOKENS: ApiTokenSet = apiTokenSet([]);

/** True once the token may no longer be used. */
export function expired(token: ApiToken, now: number): boolean {
  return token.expires !== undefined && now >= token.expires;
}

/**
 * How the CLI names a token: its id, or ACCOUNT/NAME. An account never contains "/", so the first
 * "/" separates the two and a name may hold more.
 */
export function matchesTokenRef(entry: { readonly id?: unknown; readonly account?: unknown; readonly name?: unknown }, ref: string): boolean {
  if (entry.id === ref) return true;
  const slash = ref.indexOf('/');
  return slash > 0 && entry.account === ref.slice(0, slash) && entry.name === ref.slice(slash + 1);
}
