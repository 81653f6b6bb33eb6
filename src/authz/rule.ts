import type { RuleRef } from '../auth.js';
import { rangeContains, type IpRange } from './ip-range.js';
import type { Captures, Field, MatchValues, Pattern } from './pattern.js';

/** One validated ACL rule, with every pattern compiled once at load. */
export interface CompiledRule {
  readonly ref: RuleRef;
  /** Field patterns, ordered so that fields whose captures others use are matched first. */
  readonly fields: ReadonlyArray<readonly [Field, Pattern]>;
  /** Fields whose capture groups other conditions use (`${account:1}`); only they pay for groups. */
  readonly captured: readonly Field[];
  readonly ip: readonly IpRange[] | undefined;
  readonly labels: ReadonlyArray<readonly [string, Pattern]>;
  /** The rule's actions; `["*"]` grants whatever is asked, `[]` is an explicit deny. */
  readonly actions: readonly string[];
}

const NO_CAPTURES: Captures = Object.freeze({});

/** All conditions are ANDed; a condition the rule does not state always holds. */
export function ruleMatches(rule: CompiledRule, values: MatchValues, ip: string | undefined): boolean {
  if (rule.ip !== undefined && (ip === undefined || !rule.ip.some((range) => rangeContains(range, ip)))) {
    return false;
  }
  let captures: Captures = NO_CAPTURES;
  for (const [field, pattern] of rule.fields) {
    if (!rule.captured.includes(field)) {
      if (!pattern.test(values[field], values, captures)) return false;
      continue;
    }
    const match = pattern.exec(values[field], values, captures);
    if (match === null) return false;
    if (captures === NO_CAPTURES) captures = {};
    captures[field] = match;
  }
  for (const [key, pattern] of rule.labels) {
    const labelValues = values.labels.get(key);
    if (!labelValues?.some((value) => pattern.test(value, values, captures))) return false;
  }
  return true;
}

/**
 * The actions granted for a scope: what was asked, intersected with what the rule allows.
 * A rule with `*` grants everything asked (including a requested `*`). A requested `*` (sent by
 * `skopeo delete` and for `registry:catalog:*`) against a rule without `*` grants the rule's own list.
 */
export function grantActions(requested: readonly string[], allowed: readonly string[]): string[] {
  if (allowed.length === 1 && allowed[0] === '*') return [...requested];
  if (requested.includes('*')) return [...allowed];
  return requested.filter((action) => allowed.includes(action));
}
