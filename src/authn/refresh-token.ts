import { createHash, timingSafeEqual, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { AuthnFailure } from '../auth.js';
import type { UserRecord } from './htpasswd.js';

/**
 * Refresh tokens ("identity tokens" to docker) are JWTs signed with the token signing key, but in a
 * shape no registry accepts as an access token: no `kid` and no `x5c` in the header (so a registry
 * finds no key to check it with), their own `typ`, an audience that is not a service, and no `access`.
 * They are stateless, so replicas sharing the signing key accept each other's, and they stay
 * valid across a key rotation while the old certificate remains in the bundle.
 * Each carries a fingerprint of the user's htpasswd hash: a new password, or a removed user, voids
 * every refresh token issued before.
 */
export const REFRESH_TYP = 'purser-refresh+jwt';
export const REFRESH_AUDIENCE = 'purser-refresh';

export interface RefreshClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string;
  /** The service the token was issued for; it is good for that service only. */
  readonly svc: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
  /** Fingerprint of the user's password hash at issue time. */
  readonly pwd: string;
}

export function passwordFingerprint(user: UserRecord): string {
  return createHash('sha256').update('purser refresh v1\0').update(user.name).update('\0').update(user.hash).digest('base64url').slice(0, 22);
}

export function refreshClaims(input: {
  issuer: string;
  user: UserRecord;
  service: string;
  now: number;
  ttl: number;
  jti: string;
}): RefreshClaims {
  return {
    iss: input.issuer,
    sub: input.user.name,
    aud: REFRESH_AUDIENCE,
    svc: input.service,
    iat: input.now,
    exp: input.now + input.ttl,
    jti: input.jti,
    pwd: passwordFingerprint(input.user),
  };
}

export type RefreshCheck =
  | { readonly ok: true; readonly user: UserRecord; readonly claims: RefreshClaims }
  | { readonly ok: false; readonly reason: AuthnFailure; readonly account: string };

/** Quick shape test, so that a password is never mistaken for a token or the other way round. */
export function looksLikeJwt(text: string): boolean {
  return text.startsWith('eyJ') && /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text);
}

/**
 * Verifies a refresh token against every public key of the certificate bundle, then its binding:
 * issuer, service, subject (when the caller names one), and the user's current password hash.
 */
export function verifyRefreshToken(
  token: string,
  input: {
    publicKeys: readonly KeyObject[];
    issuer: string;
    service: string;
    /** Seconds since the epoch. */
    now: number;
    users: ReadonlyMap<string, UserRecord>;
    expectedSubject?: string;
  },
): RefreshCheck {
  const claims = verifySignature(token, input.publicKeys, input.issuer, input.now);
  if (claims === undefined || claims.svc !== input.service) {
    return { ok: false, reason: 'invalid_refresh_token', account: input.expectedSubject ?? '' };
  }
  if (input.expectedSubject !== undefined && claims.sub !== input.expectedSubject) {
    return { ok: false, reason: 'refresh_token_subject_mismatch', account: input.expectedSubject };
  }
  const user = input.users.get(claims.sub);
  if (user === undefined || !sameText(passwordFingerprint(user), claims.pwd)) {
    return { ok: false, reason: 'refresh_token_revoked', account: claims.sub };
  }
  return { ok: true, user, claims };
}

function verifySignature(token: string, keys: readonly KeyObject[], issuer: string, now: number): RefreshClaims | undefined {
  if (!looksLikeJwt(token)) return undefined;
  for (const key of keys) {
    try {
      const decoded = jwt.verify(token, key, {
        algorithms: [key.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256'],
        audience: REFRESH_AUDIENCE,
        issuer,
        clockTimestamp: now,
        complete: true,
      });
      if (decoded.header.typ !== REFRESH_TYP || typeof decoded.payload !== 'object') return undefined;
      const claims = decoded.payload as Partial<RefreshClaims>;
      if (typeof claims.sub !== 'string' || typeof claims.svc !== 'string' || typeof claims.pwd !== 'string') return undefined;
      return claims as RefreshClaims;
    } catch {
      // Try the next key of the bundle.
    }
  }
  return undefined;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
