import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { failed, NOT_MINE, type Binding, type Identity, type Presented, type SourceAnswer } from '../../auth.js';
import type { IdentitySource, SourceContext } from '../identity-source.js';
import { looksLikeRefreshToken } from '../refresh-token.js';
import type { JwksCache } from './jwks-cache.js';
import type { TrustedIssuer } from './trusted-issuer.js';

/** Asymmetric algorithms only: never `none`, never HMAC (whose "key" would be the public key). */
export const FEDERATION_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** Leeway for exp, nbf and iat, seconds. */
const CLOCK_TOLERANCE = 30;

/** What one issuer entry makes of a token: the identity, or why not. */
export type Verdict =
  | { readonly ok: true; readonly entry: TrustedIssuer; readonly identity: Identity; readonly claims: JWTPayload }
  | { readonly ok: false; readonly entry: TrustedIssuer; readonly reason: string; readonly detail: string };

/** Three base64url parts; the last may be empty (`alg: none`), which jose then refuses by its algorithm. */
const JWS_SHAPE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

const localSets = new WeakMap<JSONWebKeySet, ReturnType<typeof createLocalJWKSet>>();

/**
 * Checks a token against one trusted issuer, as the server does: the signature against the
 * issuer's JWKS (fetched afresh once when the `kid` is unknown), `iss` exact, `aud` containing the
 * entry's audience, `exp`, `nbf` and `iat` within a small leeway and the maximum token age, an
 * asymmetric algorithm, then the entry's claim conditions and templates.
 */
export async function verifyWithIssuer(token: string, entry: TrustedIssuer, jwks: JwksCache, now: number): Promise<Verdict> {
  const refuse = (reason: string, detail: string): Verdict => ({ ok: false, entry, reason, detail });
  // A token of another issuer is told apart before any key is fetched (the signature is checked later).
  let unverified: JWTPayload;
  try {
    unverified = decodeJwt(token);
  } catch (err) {
    return refuse('malformed_token', (err as Error).message);
  }
  if (unverified.iss !== entry.issuer) return refuse('wrong_issuer', `the token's iss is ${JSON.stringify(unverified.iss)}, the entry trusts ${entry.issuer}`);
  let claims: JWTPayload | undefined;
  for (const refresh of [false, true]) {
    const keys = await jwks.keys(entry.issuer, entry.jwksUri, refresh);
    if (keys === undefined) return refuse('issuer_keys_unavailable', `the keys of ${entry.issuer} could not be fetched`);
    let set = localSets.get(keys);
    if (set === undefined) {
      set = createLocalJWKSet(keys);
      localSets.set(keys, set);
    }
    try {
      claims = (
        await jwtVerify(token, set, {
          issuer: entry.issuer,
          audience: entry.audience,
          algorithms: FEDERATION_ALGORITHMS,
          clockTolerance: CLOCK_TOLERANCE,
          maxTokenAge: entry.maxTokenAge,
          requiredClaims: ['exp', 'iat'],
          currentDate: new Date(now * 1000),
        })
      ).payload;
      break;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_JWKS_NO_MATCHING_KEY' && !refresh) continue;
      return refuse(...joseReason(err as Error & { code?: string; claim?: string }));
    }
  }
  if (claims === undefined) return refuse('unknown_key', 'no key of the issuer matches the token');
  const unmet = entry.conditions.unmet(claims);
  if (unmet !== undefined) return refuse('claim_condition_unmet', unmet);
  const account = entry.account.fill(claims);
  if ('missing' in account) return refuse('claim_missing', `the account template needs claim ${account.missing}, which is missing or not a non-empty string`);
  const labels = new Map<string, readonly string[]>();
  for (const [key, template] of entry.labels) {
    const value = template.fill(claims);
    if ('missing' in value) return refuse('claim_missing', `label ${key} needs claim ${value.missing}, which is missing or not a non-empty string`);
    labels.set(key, [value.value]);
  }
  const binding: Binding = {
    source: 'oidc',
    values: { issuer: entry.name, iss: entry.issuer, ...Object.fromEntries([...labels].map(([k, v]) => [`label.${k}`, v])) },
    notAfter: now + entry.maxLifetime,
  };
  const audit = { issuer: entry.name, ...(typeof claims.sub === 'string' ? { sub: claims.sub } : {}), ...(typeof claims.jti === 'string' ? { jti: claims.jti } : {}) };
  return { ok: true, entry, claims, identity: { account: account.value, labels, source: 'oidc', binding, audit } };
}

function joseReason(err: Error & { code?: string; claim?: string }): [string, string] {
  switch (err.code) {
    case 'ERR_JWT_EXPIRED':
      // jose reports max_token_age as an expiry of iat.
      return err.claim === 'iat' ? ['token_too_old', err.message] : ['token_expired', err.message];
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (err.claim === 'iat') return ['token_too_old', err.message];
      if (err.claim === 'nbf') return ['token_not_yet_valid', err.message];
      if (err.claim === 'aud') return ['wrong_audience', err.message];
      if (err.claim === 'iss') return ['wrong_issuer', err.message];
      return ['claim_invalid', err.message];
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return ['algorithm_not_allowed', err.message];
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return ['unknown_key', err.message];
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return ['bad_signature', err.message];
    default:
      return ['malformed_token', err.message];
  }
}

/** The entries a token might be for: those of its (unverified) `iss`. */
export function entriesForIssuer(token: string, issuers: readonly TrustedIssuer[]): TrustedIssuer[] {
  let iss: unknown;
  try {
    iss = decodeJwt(token).iss;
  } catch {
    return [];
  }
  return issuers.filter((entry) => entry.issuer === iss);
}

/**
 * OIDC workload identity federation: CI jobs and Kubernetes pods log in with the token their
 * platform gives them. With HTTP Basic or the password grant the user name is the entry's `name`
 * and the password the token; with the RFC 8693 token exchange the token's issuer picks the
 * entries, tried in file order. Refresh tokens minted from such a login carry the account and
 * labels, and live at most the entry's `max_lifetime`.
 */
export class FederationSource implements IdentitySource {
  readonly name = 'oidc';
  readonly #jwks: JwksCache;

  constructor(jwks: JwksCache) {
    this.#jwks = jwks;
  }

  async authenticate(presented: Presented, context: SourceContext): Promise<SourceAnswer> {
    const issuers = context.snapshot.federation;
    if (issuers.length === 0) return NOT_MINE;
    let candidates: TrustedIssuer[];
    let token: string;
    let username = '';
    if (presented.kind === 'subject_token') {
      token = presented.token.reveal();
      candidates = entriesForIssuer(token, issuers);
    } else if (presented.kind === 'password') {
      token = presented.password.reveal();
      username = presented.username;
      candidates = issuers.filter((entry) => entry.name === username);
      if (candidates.length === 0 || looksLikeRefreshToken(token)) return NOT_MINE;
      if (!JWS_SHAPE.test(token)) return failed('not_a_token', username, { audit: { issuer: username } });
    } else {
      return NOT_MINE;
    }
    if (candidates.length === 0) return failed('untrusted_issuer', username);
    let first: Verdict | undefined;
    for (const entry of candidates) {
      const verdict = await verifyWithIssuer(token, entry, this.#jwks, context.now);
      if (verdict.ok) return { kind: 'identity', identity: verdict.identity };
      first ??= verdict;
    }
    const refusal = first as Extract<Verdict, { ok: false }>;
    // The issuer's keys being out of reach is not the client's doing.
    const throttle = refusal.reason === 'issuer_keys_unavailable' ? 'void' : 'count';
    return failed(refusal.reason, username || refusal.entry.name, { throttle, audit: { issuer: refusal.entry.name } });
  }

  /** A refresh token from a federated login: its entry must still be trusted, with the same issuer. */
  async resume(binding: Binding, account: string, context: SourceContext): Promise<SourceAnswer> {
    const entry = context.snapshot.federation.find((e) => e.name === binding.values.issuer);
    if (entry === undefined || entry.issuer !== binding.values.iss) return failed('issuer_no_longer_trusted', account);
    const labels = new Map<string, readonly string[]>();
    for (const [key, value] of Object.entries(binding.values)) {
      if (key.startsWith('label.')) labels.set(key.slice('label.'.length), typeof value === 'string' ? [value] : value);
    }
    return { kind: 'identity', identity: { account, labels, source: this.name, binding, audit: { issuer: entry.name } } };
  }
}
