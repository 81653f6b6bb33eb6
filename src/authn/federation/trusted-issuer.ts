import type { ClaimConditions } from './claim-conditions.js';
import type { ClaimTemplate } from './claim-template.js';

/** One entry of the federation file (PURSER_FEDERATION): an issuer purser trusts and how its tokens map to identities. */
export interface TrustedIssuer {
  /** The user name clients log in with. */
  readonly name: string;
  /** `iss`, compared exactly. */
  readonly issuer: string;
  /** Must be one of the token's `aud`. */
  readonly audience: string;
  /** undefined: read from `<issuer>/.well-known/openid-configuration`. */
  readonly jwksUri: string | undefined;
  readonly conditions: ClaimConditions;
  readonly account: ClaimTemplate;
  readonly labels: ReadonlyArray<readonly [string, ClaimTemplate]>;
  /** Seconds a refresh token minted from this issuer's tokens may live at most. */
  readonly maxLifetime: number;
  /** Seconds since `iat` after which a token is too old, whatever its `exp`. */
  readonly maxTokenAge: number;
  readonly line: number | undefined;
}

/** http:// is for issuers on this machine only (tests): anything else must be https://. */
export function allowedIssuerUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === 'https:') return true;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  return parsed.protocol === 'http:' && (host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host));
}
