import { verifyWithIssuer, type Verdict } from './federation-source.js';
import type { JwksCache } from './jwks-cache.js';
import type { TrustedIssuer } from './trusted-issuer.js';

export type Accepted = Extract<Verdict, { ok: true }>;

export interface TokenVerdicts {
  /** One per entry, in file order. */
  readonly verdicts: readonly Verdict[];
  /**
   * The first entry that accepts the token: the one the token exchange takes (it tries the entries
   * of the token's issuer in file order). With HTTP Basic, the user name picks the entry instead.
   */
  readonly taken: Accepted | undefined;
}

/**
 * What every trusted issuer makes of a token, with the check the server runs, so that a refusal
 * can be explained entry by entry: not only the first that would have taken it.
 */
export async function verdictsForToken(token: string, issuers: readonly TrustedIssuer[], jwks: JwksCache, now: number): Promise<TokenVerdicts> {
  const verdicts: Verdict[] = [];
  // One after another: entries of one issuer share its fetched keys.
  for (const entry of issuers) verdicts.push(await verifyWithIssuer(token, entry, jwks, now));
  return { verdicts, taken: verdicts.find((v): v is Accepted => v.ok) };
}
