import { failed, NOT_MINE, type Binding, type Identity, type Presented, type SourceAnswer } from '../auth.js';
import { expired, type ApiToken } from './api-token.js';
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
  readonly name = 'api-token';

  async authenticate(presented: Presented, context: SourceContext): Promise<SourceAnswer> {
    if (presented.kind !== 'password') return NOT_MINE;
    const secret = presented.password.reveal();
    if (!looksLikeApiToken(secret)) return NOT_MINE;
    const { username } = presented;
    if (!checksumValid(secret)) return failed('api_token_mistyped', username);
    const hash = hashSecret(secret);
    const token = context.snapshot.apiTokens.byHash(hash);
    if (token === undefined || !constantTimeEqual(token.hash, hash)) return failed('api_token_unknown', username);
    if (token.account !== username) return failed('api_token_wrong_account', username, { audit: auditOf(token) });
    return this.#identity(token, context);
  }

  async resume(binding: Binding, account: string, context: SourceContext): Promise<SourceAnswer> {
    const id = binding.values.id;
    const token = typeof id === 'string' ? context.snapshot.apiTokens.byId(id) : undefined;
    // A revoked token is gone from the file; a token made again under the same id has another secret.
    if (token === undefined || token.account !== account || binding.values.fp !== fingerprint(token)) return failed('api_token_revoked', account);
    return this.#identity(token, context);
  }

  async #identity(token: ApiToken, context: SourceContext): Promise<SourceAnswer> {
    const audit = auditOf(token);
    if (expired(token, context.now)) return failed('api_token_expired', token.account, { audit });
    const binding: Binding = {
      source: this.name,
      values: { id: token.id, fp: fingerprint(token) },
      ...(token.expires === undefined ? {} : { notAfter: token.expires }),
    };
    const base = { account: token.account, source: this.name, binding, audit, ...(token.cap === undefined ? {} : { cap: token.cap }) };
    if (token.robot) {
      const identity: Identity = { ...base, labels: new Map(token.groups.length > 0 ? [['group', token.groups]] : []) };
      return { kind: 'identity', identity };
    }
    const user = await context.lookup(token.account);
    if (user.kind !== 'identity') return failed('api_token_user_gone', token.account, { audit });
    return { kind: 'identity', identity: { ...base, labels: user.identity.labels } };
  }
}

function auditOf(token: ApiToken): Readonly<Record<string, string>> {
  return { token_id: token.id, token_name: token.name };
}

/** Ties a refresh token to this token's secret, not just its id. */
function fingerprint(token: ApiToken): string {
  return token.hash.slice('sha256:'.length, 'sha256:'.length + 16);
}
