import type { Decision } from '../auth.js';
import type { Acl } from '../authz/acl.js';
import { formatScope } from '../authz/scope.js';

/** The deciding rule in words: `acl[3] "users own their namespace": account "/.+/", name "${account}/**" → [pull, push]`. */
export function describeRule(acl: Acl, decision: Decision): string {
  const rule = decision.rule;
  if (rule === null) return 'none matched, so nothing is granted (default deny)';
  const comment = rule.comment === undefined ? '' : ` ${JSON.stringify(rule.comment)}`;
  const conditions = Object.entries(rule.matched).map(([key, value]) => `${key} ${JSON.stringify(value)}`);
  const actions = acl.rules[rule.index]?.actions ?? [];
  return `acl[${rule.index}]${comment}: ${conditions.length > 0 ? conditions.join(', ') : 'matches everything'} → [${actions.join(', ')}]`;
}

/** Requested actions that were not granted. A requested `*` is answered by whatever list was granted. */
export function deniedActions(decision: Decision): string[] {
  const { granted, scope } = decision;
  if (granted.length === 0) return [...scope.actions];
  return scope.actions.filter((action) => action !== '*' && !granted.includes(action) && !granted.includes('*'));
}

export function describeGrant(decision: Decision): string {
  if (decision.granted.length === 0) return `nothing (asked: ${decision.scope.actions.join(', ')})`;
  const denied = deniedActions(decision);
  return denied.length === 0 ? decision.granted.join(', ') : `${decision.granted.join(', ')}; denied: ${denied.join(', ')}`;
}

export function decisionJson(acl: Acl, decision: Decision): Record<string, unknown> {
  const rule = decision.rule;
  return {
    scope: formatScope(decision.scope),
    requested: decision.scope.actions,
    granted: decision.granted,
    denied: deniedActions(decision),
    rule:
      rule === null
        ? null
        : { index: rule.index, comment: rule.comment ?? null, matched: rule.matched, actions: acl.rules[rule.index]?.actions ?? [] },
  };
}
