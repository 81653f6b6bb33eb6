import type { AccessRequest, Authorizer, Decision, Labels, Scope } from '../auth.js';
import { grantActions, ruleMatches, type CompiledRule } from './rule.js';

const NO_LABELS: Labels = new Map();
const CANDIDATE_CACHE_LIMIT = 10_000;

/**
 * A compiled, immutable ACL. Rules are tried in order for each scope; the first that matches
 * decides; when none matches nothing is granted.
 *
 * Rules that name one literal account can only ever match that account, so they are indexed by it:
 * a request is checked against its own account's rules and the rules that are not tied to one
 * account, still in file order. A 1,000-rule ACL of per-user rules then costs about what a short one does.
 */
export class Acl implements Authorizer {
  readonly rules: readonly CompiledRule[];
  readonly #labelsByAccount: ReadonlyMap<string, Labels>;
  readonly #byAccount = new Map<string, CompiledRule[]>();
  readonly #generic: CompiledRule[] = [];
  readonly #candidates = new Map<string, readonly CompiledRule[]>();

  constructor(rules: readonly CompiledRule[], groupsByAccount: ReadonlyMap<string, readonly string[]>) {
    this.rules = rules;
    const labels = new Map<string, Labels>();
    for (const [account, groups] of groupsByAccount) labels.set(account, new Map([['group', groups]]));
    this.#labelsByAccount = labels;
    for (const rule of rules) {
      const account = rule.fields.find(([field]) => field === 'account')?.[1].literal;
      if (account === undefined) {
        this.#generic.push(rule);
      } else {
        const list = this.#byAccount.get(account) ?? [];
        list.push(rule);
        this.#byAccount.set(account, list);
      }
    }
  }

  /** The labels `acl.yml` gives an account: its groups, as label `group`. Anonymous has none. */
  labelsFor(account: string): Labels {
    if (account === '') return NO_LABELS;
    return this.#labelsByAccount.get(account) ?? NO_LABELS;
  }

  authorize(request: AccessRequest, scope: Scope): Decision {
    const values = {
      account: request.account,
      type: scope.type,
      name: scope.name,
      service: request.service,
      labels: request.labels,
    };
    for (const rule of this.#rulesFor(request.account)) {
      if (ruleMatches(rule, values, request.ip)) {
        return { scope, granted: grantActions(scope.actions, rule.actions), rule: rule.ref };
      }
    }
    return { scope, granted: [], rule: null };
  }

  #rulesFor(account: string): readonly CompiledRule[] {
    if (this.#byAccount.size === 0) return this.rules;
    const own = this.#byAccount.get(account);
    if (own === undefined) return this.#generic;
    let merged = this.#candidates.get(account);
    if (merged === undefined) {
      merged = mergeByIndex(own, this.#generic);
      if (this.#candidates.size >= CANDIDATE_CACHE_LIMIT) this.#candidates.clear();
      this.#candidates.set(account, merged);
    }
    return merged;
  }
}

function mergeByIndex(a: readonly CompiledRule[], b: readonly CompiledRule[]): CompiledRule[] {
  const out: CompiledRule[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const left = a[i];
    const right = b[j];
    if (right === undefined || (left !== undefined && left.ref.index < right.ref.index)) {
      out.push(left as CompiledRule);
      i++;
    } else {
      out.push(right);
      j++;
    }
  }
  return out;
}
