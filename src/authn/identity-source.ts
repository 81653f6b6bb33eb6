import type { Binding, Presented, SourceAnswer } from '../auth.js';
import type { Snapshot } from '../config/snapshot.js';

/** What a source may know about the request it is asked about. */
export interface SourceContext {
  /** The configuration in force for this request, read once at its start. */
  readonly snapshot: Snapshot;
  readonly service: string;
  /** The client's address, when known. */
  readonly ip: string | undefined;
  /** Seconds since the epoch. */
  readonly now: number;
  /**
   * Runs a check an attacker could repeat to guess a secret (bcrypt, a directory bind) under the
   * failed-login throttle: a slot is reserved before it starts (429 when the client or account
   * is locked) and settled with its outcome. Checks that cannot be guessed (a hash lookup of a
   * 256-bit token, a cache hit of a credential verified before) need no guard.
   */
  guard(account: string, check: () => Promise<SourceAnswer>): Promise<SourceAnswer>;
  /** Asks the source named in a refresh token's binding to resume the identity (refresh-token source only). */
  resume(binding: Binding, account: string): Promise<SourceAnswer>;
  /** Asks the sources that keep accounts (htpasswd, a directory) whether one still exists, and as whom. */
  lookup(account: string): Promise<SourceAnswer>;
}

/**
 * One identity source: htpasswd, refresh tokens, API tokens, a directory, federated OIDC tokens.
 * It looks at the presented credential and answers "not mine", "failed" or an identity; it never
 * imports another source, and the grant code never sees which source answered.
 */
export interface IdentitySource {
  readonly name: string;
  authenticate(presented: Presented, context: SourceContext): Promise<SourceAnswer>;
  /**
   * Re-derives the identity a refresh token was minted from, from the token's binding: the user
   * still exists, the password is the same, the API token is not revoked. A source without it
   * cannot have refresh tokens minted from its identities.
   */
  resume?(binding: Binding, account: string, context: SourceContext): Promise<SourceAnswer>;
  /**
   * The identity of an account this source keeps, without any credential: for a personal API
   * token, which dies with its user. "not mine" when the source has no such account.
   */
  lookup?(account: string, context: SourceContext): Promise<SourceAnswer>;
}
