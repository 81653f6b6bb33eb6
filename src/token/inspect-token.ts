import { verify, X509Certificate } from 'node:crypto';
import { REFRESH_TYP } from '../authn/refresh-token.js';
import { jwkThumbprint, libtrustKeyId } from './key-id.js';

/** What a registry is configured to trust. */
export interface RegistryTrust {
  readonly issuer: string;
  readonly services: readonly string[];
  /**
   * The certificates it checks signatures with. Undefined when none is at hand (a machine other than
   * the server, with no copy of the certificate): the signing key and the signature are then not checked.
   */
  readonly certificates: readonly X509Certificate[] | undefined;
}

/**
 * What became of the signature: verified with a trusted key, bad, signed by no key the registry trusts
 * (or naming none), or not checked because there was no certificate to check it with.
 */
export type SignatureCheck = 'verified' | 'bad' | 'untrusted-key' | 'not-checked';

export interface TokenProblem {
  /** The registry's own log message, so it can be searched for. */
  readonly registrySays: string;
  readonly fix: string;
}

export interface TokenInspection {
  readonly kind: 'access' | 'refresh' | 'malformed';
  readonly header: Record<string, unknown> | undefined;
  readonly claims: Record<string, unknown> | undefined;
  readonly signature: SignatureCheck;
  /** Empty when a registry would accept the token (if the signature was checked). */
  readonly problems: readonly TokenProblem[];
}

/** The registry's clock leeway for exp and nbf (distribution registry/auth/token/token.go). */
const LEEWAY = 60;

/**
 * Checks a token the way registry 2.x and 3 do, in their order: issuer, audience, expiry, the signing
 * key (x5c chain first, then kid), then the signature. Each problem is the message the registry would
 * log, with what to change. Without certificates, the claims are still checked and the key and
 * signature are reported as not checked.
 */
export function inspectToken(raw: string, trust: RegistryTrust, now: number): TokenInspection {
  const parts = raw.trim().split('.');
  const decode = (part: string | undefined): Record<string, unknown> | undefined => {
    try {
      const value = JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as unknown;
      return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  const header = decode(parts[0]);
  const claims = decode(parts[1]);
  if (parts.length !== 3 || header === undefined || claims === undefined) {
    return {
      kind: 'malformed',
      header,
      claims,
      signature: 'not-checked',
      problems: [{ registrySays: 'malformed token', fix: 'pass the whole token: three base64url parts joined by dots' }],
    };
  }
  const problems: TokenProblem[] = [];
  if (header.typ === REFRESH_TYP) {
    problems.push({
      registrySays: 'unable to get token signing key (no x5c, jwk or kid header)',
      fix: 'this is a purser refresh token; clients exchange it at POST /auth (grant_type=refresh_token) for an access token',
    });
  }
  if (claims.iss !== trust.issuer) {
    problems.push({
      registrySays: `token from untrusted issuer: ${JSON.stringify(claims.iss)}`,
      fix: `make PURSER_ISSUER and the registry's auth.token.issuer the same (the registry expects ${JSON.stringify(trust.issuer)})`,
    });
  }
  if (typeof claims.aud !== 'string') {
    problems.push({ registrySays: 'malformed token (aud is not a single string; registry 2.x cannot read it)', fix: 'issue the token with purser, which writes aud as a string' });
  } else if (!trust.services.includes(claims.aud)) {
    problems.push({
      registrySays: `token intended for another audience: ${JSON.stringify(claims.aud)}`,
      fix: `the client asked for service ${JSON.stringify(claims.aud)}, but the registry's auth.token.service is ${trust.services.map((s) => JSON.stringify(s)).join(' or ')}; make them equal (and list it in PURSER_SERVICE)`,
    });
  }
  if (typeof claims.exp !== 'number' || now > claims.exp + LEEWAY) {
    problems.push({
      registrySays: `token not to be used after ${typeof claims.exp === 'number' ? new Date(claims.exp * 1000).toISOString() : 'an unknown time'}`,
      fix: 'the token has expired; clients fetch a new one by themselves (check the clocks of registry, purser and client if this happens at once)',
    });
  }
  if (typeof claims.nbf === 'number' && now < claims.nbf - LEEWAY) {
    problems.push({
      registrySays: `token not to be used before ${new Date(claims.nbf * 1000).toISOString()}`,
      fix: "purser's clock is ahead of the registry's; synchronise them (NTP)",
    });
  }
  const kind = header.typ === REFRESH_TYP ? 'refresh' : 'access';
  if (trust.certificates === undefined) return { kind, header, claims, signature: 'not-checked', problems };
  const key = signingKeyProblem(header, trust.certificates, problems);
  if (key === undefined) return { kind, header, claims, signature: 'untrusted-key', problems };
  const alg = header.alg;
  const data = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2] ?? '', 'base64url');
  const ok =
    (alg === 'RS256' && key.asymmetricKeyType === 'rsa' && verify('sha256', data, key, signature)) ||
    (alg === 'ES256' && key.asymmetricKeyType === 'ec' && verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature));
  if (!ok) problems.push({ registrySays: 'unable to verify token signature', fix: 'the token was altered, or signed with another key that has the same key ID; fetch a new token' });
  return { kind, header, claims, signature: ok ? 'verified' : 'bad', problems };
}

/** Finds the key a registry would check the signature with; records why there is none. */
function signingKeyProblem(header: Record<string, unknown>, certificates: readonly X509Certificate[], problems: TokenProblem[]) {
  const x5c = header.x5c;
  const bundleIds = certificates.map((cert) => libtrustKeyId(cert.publicKey));
  if (Array.isArray(x5c) && x5c.length > 0) {
    const leaf = certificateFromBase64(x5c[0]);
    // The chain holds when the leaf is one of the roots, or was issued and signed by one.
    const root = leaf && certificates.find((cert) => cert.raw.equals(leaf.raw) || (leaf.checkIssued(cert) && leaf.verify(cert.publicKey)));
    if (leaf === undefined || root === undefined) {
      problems.push({
        registrySays: 'unable to verify certificate chain: x509: certificate signed by unknown authority',
        fix: "the registry's rootcertbundle does not hold the certificate in the token's x5c; give it purser's PURSER_SIGNING_CERT (purser doctor checks this)",
      });
      return undefined;
    }
    return leaf.publicKey;
  }
  const kid = header.kid;
  if (typeof kid !== 'string' || kid === '') {
    if (header.typ !== REFRESH_TYP) problems.push({ registrySays: 'unable to get token signing key', fix: 'the token has no x5c and no kid; issue it with purser' });
    return undefined;
  }
  const byKid = certificates.find(
    (cert) => libtrustKeyId(cert.publicKey) === kid || jwkThumbprint(cert.publicKey.export({ format: 'jwk' })) === kid,
  );
  if (byKid === undefined) {
    problems.push({
      registrySays: `token signed by untrusted key with ID: ${JSON.stringify(kid)}`,
      fix: `the registry's rootcertbundle (or JWKS file) has no key with this ID (it has: ${bundleIds.join(', ') || 'none'}); give it purser's current PURSER_SIGNING_CERT`,
    });
    return undefined;
  }
  return byKid.publicKey;
}

function certificateFromBase64(text: unknown): X509Certificate | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return new X509Certificate(Buffer.from(text, 'base64'));
  } catch {
    return undefined;
  }
}
