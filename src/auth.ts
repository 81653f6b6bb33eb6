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
  /** True when the identity's cap took away actions the rule granted. */
  readonly capped?: boolean;
}

export interface Authorizer {
  authorize(request: AccessRequest, scope: Scope): Decision;
}

/**
 * Caps what an identity can ever be granted, whatever the ACL says: an API token's `scopes`.
 * Granted = what the ACL grants ∩ the cap.
 */
export interface GrantCap {
  /** The scope patterns as written, for the audit trail and `purser acl explain`. */
  readonly patterns: readonly string[];
  /** The actions of `granted` (already decided by the ACL for `scope`) that the cap lets through. */
  restrict(scope: Scope, granted: readonly string[]): readonly string[];
}

/** A value a refresh token carries for the source that minted it: a fingerprint, an id, a list of groups. */
export type BindingValue = string | readonly string[];

/**
 * What a refresh token minted from an identity must stay bound to. At each refresh the token's
 * source is asked to resume the identity from it: a changed password, a revoked API token or a
 * removed directory account ends the refresh token there.
 */
export interface Binding {
  /** The identity source that resumes the identity (`htpasswd`, `api-token`, `ldap`, ...). */
  readonly source: string;
  readonly values: Readonly<Record<string, BindingValue>>;
  /** Epoch seconds after which no refresh token may live (an API token's expiry, a federation max_lifetime). */
  readonly notAfter?: number;
}

/**
 * Who a request was authenticated as. The grant code, the ACL and the audit trail see only this,
 * never the source that proved it.
 */
export interface Identity {
  /** "" is the anonymous account. */
  readonly account: string;
  /** The ACL's labels: `group` from acl.yml's groups, merged with what the source adds. */
  readonly labels: Labels;
  /** The identity source: `anonymous`, `htpasswd`, `api-token`, `ldap`, `oidc`, `sso`. */
  readonly source: string;
  readonly cap?: GrantCap;
  /** Absent: no refresh token can be minted (anonymous). */
  readonly binding?: Binding;
  /** Source-specific fields for the audit event (an API token's id and name, an issuer's `sub`); never a secret. */
  readonly audit?: Readonly<Record<string, string>>;
}

/** The credential a client presented, parsed from HTTP Basic or an OAuth2 form. */
export type Presented =
  | { readonly kind: 'password'; readonly username: string; readonly password: Secret }
  | { readonly kind: 'refresh_token'; readonly token: Secret }
  | { readonly kind: 'subject_token'; readonly token: Secret; readonly tokenType: string };

/**
 * A source's answer. "not-mine" passes the credential to the next source; "failed" ends the chain
 * with the same 401 as every other failure (`reason` goes to the audit log only). A failure that
 * is not the client's doing (a directory outage) says `throttle: 'void'` so it does not count
 * against the user.
 */
export type SourceAnswer =
  | { readonly kind: 'not-mine' }
  | {
      readonly kind: 'failed';
      readonly reason: string;
      readonly account: string;
      readonly throttle?: 'count' | 'void';
      /** Fields for the audit event, such as the id of the API token that was refused. */
      readonly audit?: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'identity';
      readonly identity: Identity;
      /** A refresh token that proved the identity: the client gets it back rather than a new one. */
      readonly reuse?: Secret;
    };

export const NOT_MINE: SourceAnswer = Object.freeze({ kind: 'not-mine' });

export type Failure = Extract<SourceAnswer, { kind: 'failed' }>;

export function failed(reason: string, account: string, options: { throttle?: 'count' | 'void'; audit?: Readonly<Record<string, string>> } = {}): Failure {
  return { kind: 'failed', reason, account, ...options };
}

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
