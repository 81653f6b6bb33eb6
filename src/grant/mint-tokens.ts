import type { Decision, Identity, Secret } from '../auth.js';
import { refreshClaims } from '../authn/refresh-token.js';
import type { Snapshot } from '../config/snapshot.js';
import { accessClaims } from '../token/claims.js';
import { tokenId } from '../token/token-id.js';
import { grantKey, sharedToken, shareToken } from './grant-reuse.js';

export interface Minted {
  readonly accessToken: string;
  readonly jti: string;
  /** Seconds the access token has left: less than PURSER_TOKEN_TTL for a shared one. */
  readonly expiresIn: number;
  /** True when the access token is one signed for an identical grant shortly before. */
  readonly reused: boolean;
  /** Epoch seconds the access token was signed. */
  readonly issuedAt: number;
  readonly refreshToken: string | undefined;
}

/**
 * Signs the access token and, when the client asked for offline access and the identity can be
 * resumed later (it has a binding), a refresh token bound to it. A client that authenticated with
 * a refresh token gets that same token back: docker and containerd keep reusing the first one
 * they were given, so rotating it would gain nothing.
 */
export async function mintTokens(input: {
  readonly snapshot: Snapshot;
  readonly identity: Identity;
  readonly service: string;
  readonly decisions: readonly Decision[];
  readonly now: number;
  readonly offline: boolean;
  readonly presentedRefreshToken: Secret | undefined;
}): Promise<Minted> {
  const { snapshot, identity, service, now } = input;
  const { settings } = snapshot;
  const key = settings.grantReuse > 0 ? grantKey(identity, service, input.decisions) : '';
  const shared = settings.grantReuse > 0 ? sharedToken(snapshot, key, now) : undefined;
  const jti = shared?.jti ?? tokenId();
  const accessToken =
    shared?.accessToken ??
    snapshot.signAccessToken(
      accessClaims({ issuer: settings.issuer, subject: identity.account, audience: service, decisions: input.decisions, now, ttl: settings.tokenTtl, jti }),
    );
  let refreshToken: Promise<string> | string | undefined;
  const { binding } = identity;
  if (input.offline && binding !== undefined) {
    refreshToken =
      input.presentedRefreshToken?.reveal() ??
      snapshot.signRefreshToken(
        refreshClaims({ issuer: settings.issuer, account: identity.account, binding, service, now, ttl: settings.refreshTtl, jti: tokenId() }),
      );
  }
  const [access, refresh] = await Promise.all([accessToken, refreshToken]);
  if (shared === undefined && settings.grantReuse > 0) shareToken(snapshot, key, { accessToken: access, jti, issuedAt: now, expiresAt: now + settings.tokenTtl });
  return { accessToken: access, jti, refreshToken: refresh, expiresIn: shared === undefined ? settings.tokenTtl : shared.expiresAt - now, reused: shared !== undefined, issuedAt: shared?.issuedAt ?? now };
}
