import type { Decision } from '../auth.js';

/** One `access` entry of a registry token (distribution docs/spec/auth/jwt.md). */
export interface AccessEntry {
  readonly type: string;
  readonly class?: string;
  readonly name: string;
  readonly actions: readonly string[];
}

export interface AccessClaims {
  readonly iss: string;
  readonly sub: string;
  /** A single string: registry 2.x cannot read an array here. */
  readonly aud: string;
  readonly exp: number;
  readonly nbf: number;
  readonly iat: number;
  readonly jti: string;
  readonly access: readonly AccessEntry[];
}

export interface AccessClaimsInput {
  readonly issuer: string;
  readonly subject: string;
  readonly audience: string;
  readonly decisions: readonly Decision[];
  /** Seconds since the epoch. */
  readonly now: number;
  readonly ttl: number;
  readonly jti: string;
}

/**
 * The claims of an access token. Every requested resource appears in `access` with the actions
 * actually granted, possibly none: a denial is a token with fewer actions, and the registry answers
 * `insufficient_scope` when the client uses it.
 */
export function accessClaims(input: AccessClaimsInput): AccessClaims {
  return {
    iss: input.issuer,
    sub: input.subject,
    aud: input.audience,
    exp: input.now + input.ttl,
    nbf: input.now,
    iat: input.now,
    jti: input.jti,
    access: input.decisions.map(({ scope, granted }) =>
      scope.class === undefined
        ? { type: scope.type, name: scope.name, actions: granted }
        : { type: scope.type, class: scope.class, name: scope.name, actions: granted },
    ),
  };
}
