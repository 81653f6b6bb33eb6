import type { Decision, Identity, Secret } from '../auth.js';
import { refreshClaims } from '../authn/refresh-token.js';
import type { Snapshot } from '../config/snapshot.js';
import { accessClaims } from '../token/claims.js';
import { tokenId } from '../token/token-id.js';

export interface Minted {
  readonly accessToken: string;
  readonly jti: string;
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
  const jti = tokenId();
  const accessToken = snapshot.signAccessToken(
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
  return { accessToken: access, jti, refreshToken: refresh };
}
