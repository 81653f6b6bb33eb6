// The shared vocabulary of purser: what a client asks for, who it is, and what was decided.
// Everything else imports these names; nothing else defines them.

/**
 * One requested resource scope, parsed from `type[(class)]:name:actions`
 * (distribution docs/spec/auth/scope.md). `actions` is de-duplicated and keeps the request's order.
 */
export interface Scope {
  readonly type: string;
  readonly class?: string;
  readonly name: string;
  readonly actions: readonly string[];
}

/** A user's labels, e.g. `group` → the groups `acl.yml` puts the user in. */
export type Labels = ReadonlyMap<string, readonly string[]>;

/** Everything an ACL rule may look at, apart from the scope itself. */
export interface AccessRequest {
  /** The authenticated account, or "" for an anonymous request. */
  readonly account: string;
  /** The client's address (IPv4-mapped IPv6 already reduced to IPv4), if known. */
  readonly ip: string | undefined;
  readonly service: string;
  readonly labels: Labels;
}

/** The rule that decided a scope, for the audit trail and `purser acl explain`. */
export interface RuleRef {
  readonly index: number;
  readonly comment?: string;
  /** The rule's match conditions as written, field → pattern. */
  readonly matched: Readonly<Record<string, string>>;
}

/** The outcome for one scope. A denial is a value: `granted` is empty. */
export interface Decision {
  readonly scope: Scope;
  readonly granted: readonly string[];
  /** null when no rule matched (default deny). */
  readonly rule: RuleRef | null;
}

export interface Authorizer {
  authorize(request: AccessRequest, scope: Scope): Decision;
}

/** Who a request was authenticated as. */
export interface Identity {
  /** "" is the anonymous account. */
  readonly account: string;
  /** How the identity was proven. */
  readonly via: 'anonymous' | 'password' | 'refresh_token';
}

/** Why authentication failed; goes to the log and audit trail, never to the client. */
export type AuthnFailure =
  | 'unknown_user'
  | 'wrong_password'
  | 'invalid_refresh_token'
  | 'refresh_token_subject_mismatch'
  | 'refresh_token_revoked';

export type AuthnResult =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly reason: AuthnFailure; readonly account: string };

/** A user name and secret from HTTP Basic or an OAuth2 password grant. */
export interface PasswordCredentials {
  readonly username: string;
  readonly password: Secret;
}

/** Holds a secret so that it never prints: logs, JSON and inspection all see `***`. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '***';
  }
  toJSON(): string {
    return '***';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'Secret(***)';
  }
}
