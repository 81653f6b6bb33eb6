import { failed, NOT_MINE, type Binding, type Presented, type SourceAnswer } from '../auth.js';
import { expired, type ApiToken } from './api-token.js';
import { API_TOKEN_SOURCE, apiTokenAudit, apiTokenFingerprint, apiTokenIdentity } from './api-token-identity.js';
import { checksumValid, hashSecret, looksLikeApiToken } from './api-token-secret.js';
import { constantTimeEqual } from './constant-time.js';
import type { IdentitySource, SourceContext } from './identity-source.js';

/**
 * API tokens (PURSER_API_TOKENS): the secret is the password and the user name is the token's
 * account. A token is found by the SHA-256 of the secret (no bcrypt: these logins run at the
 * signing limit), and a mistyped one is refused by its checksum before any lookup. A robot token
 * is its own identity, with the groups the file gives it; a personal token is its user's identity
 * for as long as the user exists. Either way the token's scopes cap what it can be granted.
 */
export class ApiTokenSource implements IdentitySource {
  readonly name = API_TOKEN_SOURCE;

  async authenticate(presented: Presented, context: SourceContext): Promise<SourceAnswer> {
    if (presented.kind !== 'password') return NOT_MINE;
    const secret = presented.password.reveal();
    if (!looksLikeApiToken(secret)) return NOT_MINE;
    const { username } = presented;
    if (!checksumValid(secret)) return failed('api_token_mistyped', username);
    const hash = hashSecret(secret);
    const token = context.snapshot.apiTokens.byHash(hash);
    if (token === undefined || !constantTimeEqual(token.hash, hash)) return failed('api_token_unknown', username);
    if (token.account !== username) return failed('api_token_wrong_account', username, { audit: apiTokenAudit(token) });
    return this.#identity(token, context);
  }

  async resume(binding: Binding, account: string, context: SourceContext): Promise<SourceAnswer> {
    const id = binding.values.id;
    const token = typeof id === 'string' ? context.snapshot.apiTokens.byId(id) : undefined;
    // A revoked token is gone from the file; a token made again under the same id has another secret.
    if (token === undefined || token.account !== account || binding.values.fp !== apiTokenFingerprint(token)) return failed('api_token_revoked', account);
    return this.#identity(token, context);
  }

  async #identity(token: ApiToken, context: SourceContext): Promise<SourceAnswer> {
    if (expired(token, context.now)) return failed('api_token_expired', token.account, { audit: apiTokenAudit(token) });
    if (token.robot) return { kind: 'identity', identity: apiTokenIdentity(token, undefined) };
    const user = await context.lookup(token.account);
    if (user.kind !== 'identity') return failed('api_token_user_gone', token.account, { audit: apiTokenAudit(token) });
    return { kind: 'identity', identity: apiTokenIdentity(token, user.identity) };
  }
}
