import { createHash, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Binding, BindingValue } from '../auth.js';
import type { UserRecord } from './htpasswd.js';

/**
 * Refresh tokens ("identity tokens" to docker) are JWTs signed with the token signing key, but in a
 * shape no registry accepts as an access token: no `kid` and no `x5c` in the header (so a registry
 * finds no key to check it with), their own `typ`, an audience that is not a service, and no `access`.
 * They are stateless, so replicas sharing the signing key accept each other's, and they stay
 * valid across a key rotation while the old certificate remains in the bundle.
 * Each carries the binding of the identity it was minted from (`src`, `bnd`): at every use the
 * identity source resumes the identity from it, so a new password, a revoked API token or a
 * removed directory account ends every refresh token issued before.
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
  /** The identity source that resumes the identity. */
  readonly src: string;
  readonly bnd: Readonly<Record<string, BindingValue>>;
}

export function passwordFingerprint(user: UserRecord): string {
  return createHash('sha256').update('purser refresh v1\0').update(user.name).update('\0').update(user.hash).digest('base64url').slice(0, 22);
}

/** The claims of a new refresh token; it never outlives the binding's `notAfter`. */
export function refreshClaims(input: {
  issuer: string;
  account: string;
  binding: Binding;
  service: string;
  now: number;
  ttl: number;
  jti: string;
}): RefreshClaims {
  const exp = Math.min(input.now + input.ttl, input.binding.notAfter ?? Number.POSITIVE_INFINITY);
  return {
    iss: input.issuer,
    sub: input.account,
    aud: REFRESH_AUDIENCE,
    svc: input.service,
    iat: input.now,
    exp,
    jti: input.jti,
    src: input.binding.source,
    bnd: input.binding.values,
  };
}

/** Quick shape test, so that a password is never mistaken for a token or the other way round. */
export function looksLikeJwt(text: string): boolean {
  return text.startsWith('eyJ') && /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text);
}

/** True for a JWT whose header says it is a purser refresh token (signature not checked). */
export function looksLikeRefreshToken(text: string): boolean {
  if (!looksLikeJwt(text)) return false;
  try {
    const header = JSON.parse(Buffer.from(text.slice(0, text.indexOf('.')), 'base64url').toString('utf8')) as { typ?: unknown };
    return header.typ === REFRESH_TYP;
  } catch {
    return false;
  }
}

export interface VerifiedRefresh {
  readonly claims: RefreshClaims;
  readonly binding: Binding;
}

/**
 * Checks a refresh token's signature against every public key of the certificate bundle, its
 * type, issuer, audience (one string, never a list), expiry (required) and service. Returns
 * undefined for anything else.
 */
export function verifyRefreshToken(
  token: string,
  input: { publicKeys: readonly KeyObject[]; issuer: string; service: string; now: number },
): VerifiedRefresh | undefined {
  if (!looksLikeJwt(token)) return undefined;
  for (const key of input.publicKeys) {
    let decoded: jwt.Jwt;
    try {
      decoded = jwt.verify(token, key, {
        algorithms: [key.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256'],
        issuer: input.issuer,
        clockTimestamp: input.now,
        complete: true,
      });
    } catch {
      continue; // Try the next key of the bundle.
    }
    return checkClaims(decoded, input.service, input.now);
  }
  return undefined;
}

function checkClaims(decoded: jwt.Jwt, service: string, now: number): VerifiedRefresh | undefined {
  if (decoded.header.typ !== REFRESH_TYP || typeof decoded.payload !== 'object') return undefined;
  const claims = decoded.payload as Record<string, unknown>;
  // jsonwebtoken accepts a list audience containing ours and a token without exp; neither is one of ours.
  if (claims.aud !== REFRESH_AUDIENCE || typeof claims.exp !== 'number' || claims.exp <= now) return undefined;
  if (typeof claims.sub !== 'string' || claims.sub === '' || claims.svc !== service || typeof claims.iat !== 'number') return undefined;
  const binding = bindingOf(claims);
  if (binding === undefined) return undefined;
  return { claims: { ...(claims as unknown as RefreshClaims), src: binding.source, bnd: binding.values }, binding };
}

function bindingOf(claims: Record<string, unknown>): Binding | undefined {
  // Tokens issued before identity sources carried only the htpasswd fingerprint.
  if (claims.src === undefined && typeof claims.pwd === 'string') return { source: 'htpasswd', values: { pwd: claims.pwd } };
  if (typeof claims.src !== 'string' || claims.bnd === null || typeof claims.bnd !== 'object' || Array.isArray(claims.bnd)) return undefined;
  const values: Record<string, BindingValue> = {};
  for (const [key, value] of Object.entries(claims.bnd as Record<string, unknown>)) {
    if (typeof value === 'string') values[key] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) values[key] = value as string[];
    else return undefined;
  }
  return { source: claims.src, values, notAfter: claims.exp as number };
}
