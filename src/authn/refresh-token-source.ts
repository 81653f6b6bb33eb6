import { failed, NOT_MINE, type Identity, type Presented, type SourceAnswer } from '../auth.js';
import type { IdentitySource, SourceContext } from './identity-source.js';
import { looksLikeRefreshToken, verifyRefreshToken } from './refresh-token.js';

/**
 * purser's own refresh tokens: the OAuth2 refresh_token grant, or a refresh token sent as the
 * Basic password with its subject as the user name (docker and containerd do both). The token's
 * signature and claims are checked here; whether the identity it was minted from still holds is
 * for that identity's source to say (`context.resume`).
 */
export class RefreshTokenSource implements IdentitySource {
  readonly name = 'refresh-token';

  async authenticate(presented: Presented, context: SourceContext): Promise<SourceAnswer> {
    const secret = presented.kind === 'refresh_token' ? presented.token : presented.kind === 'password' ? presented.password : undefined;
    if (secret === undefined || (presented.kind === 'password' && !looksLikeRefreshToken(secret.reveal()))) return NOT_MINE;
    const token = secret.reveal();
    const username = presented.kind === 'password' ? presented.username : undefined;
    const { snapshot, service, now } = context;
    const verified = verifyRefreshToken(token, { publicKeys: snapshot.publicKeys, issuer: snapshot.settings.issuer, service, now });
    if (verified === undefined) return failed('invalid_refresh_token', username ?? '');
    const { claims, binding } = verified;
    if (username !== undefined && claims.sub !== username) return failed('refresh_token_subject_mismatch', username);
    const resumed = await context.resume(binding, claims.sub);
    if (resumed.kind !== 'identity') return resumed.kind === 'failed' ? resumed : failed('refresh_token_revoked', claims.sub);
    // The identity stays bound as the token says, and never outlives it.
    const identity: Identity = { ...resumed.identity, binding: { ...(resumed.identity.binding ?? binding), notAfter: claims.exp } };
    return { kind: 'identity', identity, reuse: secret };
  }
}
