import type { ConfigIssue } from '../errors.js';
import type { YamlDocument } from '../config/yaml-document.js';
import type { Acl } from './acl.js';
import { ruleNodes } from './acl-compile.js';
import { rangeCovers } from './ip-range.js';
import type { Field, MatchValues, Pattern } from './pattern.js';
import type { CompiledRule } from './rule.js';

const REGISTRY_ACTIONS = ['pull', 'push', 'delete', '*'];
const WRITE_ACTIONS = ['push', 'delete', '*'];
const NOTHING: MatchValues = { account: '', type: '', name: '', service: '', labels: new Map() };

/**
 * Warnings about an ACL that loads but probably does not say what its author meant: rules that can
 * never match because an earlier rule matches everything they would, write access open to the
 * anonymous account, actions registries never ask for, and labels purser never sets.
 */
export function lintAcl(acl: Acl, doc: YamlDocument): ConfigIssue[] {
  const nodes = ruleNodes(doc);
  const warnings: ConfigIssue[] = [];
  const warn = (rule: CompiledRule, message: string, key?: string): void => {
    const line = doc.lineOf(nodes[rule.ref.index], key);
    const path = `acl[${rule.ref.index}]`;
    warnings.push(line === undefined ? { file: doc.file, path, message } : { file: doc.file, path, line, message });
  };
  acl.rules.forEach((rule, j) => {
    const shadow = acl.rules.slice(0, j).find((earlier) => covers(earlier, rule));
    if (shadow !== undefined) {
      const name = shadow.ref.comment === undefined ? '' : ` (${JSON.stringify(shadow.ref.comment)})`;
      warn(rule, `can never match: acl[${shadow.ref.index}]${name} comes first and matches everything this rule would`);
    }
    if (rule.actions.some((a) => WRITE_ACTIONS.includes(a)) && matchesAnonymous(rule)) {
      warn(rule, `grants ${rule.actions.join(', ')} to the anonymous account too; add account: "/.+/" if only logged-in users are meant`, 'actions');
    }
    for (const action of rule.actions) {
      if (!REGISTRY_ACTIONS.includes(action)) warn(rule, `registries ask for pull, push, delete and *, never ${JSON.stringify(action)}`, 'actions');
    }
    for (const [label] of rule.labels) {
      if (label !== 'group') warn(rule, `purser sets only the "group" label (from groups:); label ${JSON.stringify(label)} never has a value`, 'labels');
    }
    for (const [, pattern] of [...rule.fields, ...rule.labels]) {
      for (const other of pattern.text.matchAll(/\$\{labels:([^}]+)\}/g)) {
        if (other[1] !== 'group') warn(rule, `\${labels:${other[1]}} never has a value: purser sets only the "group" label`);
      }
    }
  });
  return warnings;
}

/** True when `earlier` matches every request `later` matches (so `later` is dead). */
function covers(earlier: CompiledRule, later: CompiledRule): boolean {
  const laterFields = new Map(later.fields);
  for (const [field, pattern] of earlier.fields) {
    if (!patternCovers(field, pattern, laterFields.get(field))) return false;
  }
  if (earlier.ip !== undefined) {
    if (later.ip === undefined) return false;
    if (!later.ip.every((inner) => earlier.ip?.some((outer) => rangeCovers(outer, inner)))) return false;
  }
  const laterLabels = new Map(later.labels);
  for (const [label, pattern] of earlier.labels) {
    const other = laterLabels.get(label);
    if (other === undefined || !(pattern.matchesEverything || pattern.text === other.text)) return false;
  }
  return true;
}

function patternCovers(field: Field, outer: Pattern, inner: Pattern | undefined): boolean {
  // Types never contain '/', so a plain `*` matches every type.
  if (outer.matchesEverything || (field === 'type' && outer.text === '*')) return true;
  if (inner === undefined) return false;
  if (outer.text === inner.text) return true;
  const static_ = outer.captureRefs.length === 0 && !outer.text.includes('${');
  return static_ && inner.literal !== undefined && outer.test(inner.literal, NOTHING, {});
}

function matchesAnonymous(rule: CompiledRule): boolean {
  if (rule.labels.length > 0) return false;
  const account = rule.fields.find(([field]) => field === 'account')?.[1];
  return account === undefined || (account.captureRefs.length === 0 && !account.text.includes('${') && account.test('', NOTHING, {}));
}
