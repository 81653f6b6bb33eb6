import { compilePattern, type Pattern } from '../../authz/pattern.js';
import { readClaim } from './json-pointer.js';

/** One accepted value of a claim: an exact string, or a /regex/ (the ACL's linear-time engine). */
type Accepted = { readonly exact: string } | { readonly regex: Pattern };

interface Condition {
  readonly claim: string;
  readonly accepted: readonly Accepted[];
  readonly text: string;
}

export interface ClaimConditions {
  /** undefined when every condition holds; otherwise why the first one that does not fails. */
  unmet(claims: Readonly<Record<string, unknown>>): string | undefined;
}

const NO_VALUES = { account: '', type: '', name: '', service: '', labels: new Map() } as const;

/**
 * Compiles an issuer entry's `claims:` mapping: claim name (or JSON Pointer) → a string, a
 * `/regex/`, or a list of either. Every condition must hold; a claim holds when it is a string equal
 * to one of the strings or matched by one of the regexes (anchor them: `/^refs\/heads\/main$/`).
 * Throws a readable message for a value that is not a string or list of strings.
 */
export function compileClaimConditions(spec: Readonly<Record<string, unknown>>): ClaimConditions {
  const conditions: Condition[] = Object.entries(spec).map(([claim, value]) => {
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0 || !list.every((item) => typeof item === 'string')) {
      throw new Error(`claims.${claim}: must be a string, a /regex/, or a list of them (quote numbers and booleans: "1234", "true")`);
    }
    const accepted = (list as string[]).map((item): Accepted => {
      if (!(item.length > 2 && item.startsWith('/') && item.endsWith('/'))) return { exact: item };
      try {
        return { regex: compilePattern(item) };
      } catch (err) {
        throw new Error(`claims.${claim}: ${(err as Error).message}`);
      }
    });
    return { claim, accepted, text: JSON.stringify(value) };
  });
  return {
    unmet(claims) {
      for (const condition of conditions) {
        const value = readClaim(claims, condition.claim);
        if (typeof value !== 'string') return `claim ${condition.claim} is ${value === undefined ? 'missing' : `not a string (${JSON.stringify(value)})`}; the entry wants ${condition.text}`;
        const holds = condition.accepted.some((a) => ('exact' in a ? a.exact === value : a.regex.exec(value, NO_VALUES, {}) !== null));
        if (!holds) return `claim ${condition.claim} is ${JSON.stringify(value)}; the entry wants ${condition.text}`;
      }
      return undefined;
    },
  };
}
