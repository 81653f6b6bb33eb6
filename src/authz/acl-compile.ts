import type { ConfigIssue } from '../errors.js';
import type { YamlDocument } from '../config/yaml-document.js';
import { Acl } from './acl.js';
import { parseIpRange, type IpRange } from './ip-range.js';
import { compilePattern, FIELDS, type Field, type Pattern } from './pattern.js';
import type { CompiledRule } from './rule.js';

const RULE_KEYS = ['match', 'actions', 'comment'];
const MATCH_KEYS = [...FIELDS, 'ip', 'labels'];
const ACTION = /^[a-z]+$/;

export interface AclCompilation {
  /** Present only when there are no issues. */
  readonly acl: Acl | undefined;
  readonly issues: readonly ConfigIssue[];
}

/**
 * Validates and compiles an ACL document: a list of rules, or a mapping with `acl:` (the list, as in
 * a cesanta/docker_auth config) and optional `groups:` (group name → user names). Every problem is
 * reported, each with the rule's index, the field and its line; any unknown key is an error, since a
 * typo in a condition would otherwise silently widen a rule.
 */
export function compileAcl(doc: YamlDocument): AclCompilation {
  const issues: ConfigIssue[] = [];
  const report = (path: string, message: string, node: unknown, key?: string): void => {
    const line = doc.lineOf(node, key);
    issues.push(line === undefined ? { file: doc.file, path, message } : { file: doc.file, path, line, message });
  };

  const root = doc.value;
  let rulesNode: unknown;
  let groupsNode: unknown;
  if (root === null || root === undefined) {
    report('', 'the ACL is empty; write `acl: []` to deny everything', root);
    return { acl: undefined, issues };
  } else if (Array.isArray(root)) {
    rulesNode = root;
  } else if (isMapping(root)) {
    for (const key of Object.keys(root)) {
      if (key !== 'acl' && key !== 'groups') report(key, 'unknown top-level key; expected `acl` and `groups`', root, key);
    }
    rulesNode = root.acl;
    groupsNode = root.groups;
    if (!Array.isArray(rulesNode)) report('acl', 'must be a list of rules', root, 'acl');
  } else {
    report('', 'must be a list of rules or a mapping with `acl:`', root);
    return { acl: undefined, issues };
  }

  const rules: CompiledRule[] = [];
  if (Array.isArray(rulesNode)) {
    rulesNode.forEach((node: unknown, index) => {
      const rule = compileRule(node, index, (path, message, at, key) => report(`acl[${index}]${path}`, message, at, key));
      if (rule) rules.push(rule);
    });
  }
  const groups = compileGroups(groupsNode, report);
  return { acl: issues.length === 0 ? new Acl(rules, groups) : undefined, issues };
}

/** The rule nodes of an ACL document, in order, for tools that point back into the file. */
export function ruleNodes(doc: YamlDocument): readonly unknown[] {
  const root = doc.value;
  if (Array.isArray(root)) return root;
  if (isMapping(root) && Array.isArray(root.acl)) return root.acl as unknown[];
  return [];
}

type Report = (path: string, message: string, node: unknown, key?: string) => void;

function compileRule(node: unknown, index: number, reportIssue: Report): CompiledRule | undefined {
  let failed = false;
  const report: Report = (...args) => {
    failed = true;
    reportIssue(...args);
  };
  if (!isMapping(node)) {
    report('', 'a rule must be a mapping with `match` and `actions`', node);
    return undefined;
  }
  for (const key of Object.keys(node)) {
    if (!RULE_KEYS.includes(key)) report(`.${key}`, 'unknown key; a rule has `match`, `actions` and `comment`', node, key);
  }
  const comment = node.comment;
  if (comment !== undefined && typeof comment !== 'string') report('.comment', 'must be a string', node, 'comment');

  const match = node.match;
  const fields: Array<[Field, Pattern]> = [];
  const labels: Array<[string, Pattern]> = [];
  const written: Record<string, string> = {};
  let ip: IpRange[] | undefined;
  if (!isMapping(match)) {
    report('.match', match === undefined ? 'is required' : 'must be a mapping of conditions', node, 'match');
  } else {
    for (const [key, value] of Object.entries(match)) {
      if (key === 'ip') {
        ip = compileIp(value, (message) => report('.match.ip', message, match, 'ip'));
        if (ip) written.ip = ip.map((range) => range.text).join(', ');
      } else if (key === 'labels') {
        compileLabels(value, labels, written, (path, message, key2) => report(`.match.labels${path}`, message, value, key2), () =>
          report('.match.labels', 'must be a mapping of label → pattern', match, 'labels'),
        );
      } else if ((FIELDS as readonly string[]).includes(key)) {
        const pattern = compileField(value, (message) => report(`.match.${key}`, message, match, key));
        if (pattern) {
          fields.push([key as Field, pattern]);
          written[key] = pattern.text;
        }
      } else {
        report(`.match.${key}`, `unknown condition; use ${MATCH_KEYS.join(', ')}`, match, key);
      }
    }
    checkCaptureRefs(fields, labels, (field, message) => report(`.match.${field}`, message, match, field));
  }

  const actions = compileActions(node.actions, (message) => report('.actions', message, node, 'actions'));
  if (failed || actions === undefined) return undefined;
  // Fields whose capture groups others refer to are matched first; among the rest, fields with a
  // literal prefix go first, since that test rejects most requests for other names cheaply.
  fields.sort(([, a], [, b]) => a.captureRefs.length - b.captureRefs.length || Number(b.prefix !== '') - Number(a.prefix !== ''));
  const captured = [...new Set([...fields, ...labels].flatMap(([, pattern]) => pattern.captureRefs.map((ref) => ref.field)))];
  return {
    ref: typeof comment === 'string' ? { index, comment, matched: written } : { index, matched: written },
    fields,
    captured,
    ip,
    labels,
    actions,
  };
}

function compileField(value: unknown, fail: (message: string) => void): Pattern | undefined {
  if (typeof value !== 'string') {
    fail(`must be a string pattern${typeof value === 'number' || typeof value === 'boolean' ? ' (quote it)' : ''}`);
    return undefined;
  }
  try {
    return compilePattern(value);
  } catch (err) {
    fail((err as Error).message);
    return undefined;
  }
}

function compileIp(value: unknown, fail: (message: string) => void): IpRange[] | undefined {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) {
    fail('must name at least one address or CIDR block');
    return undefined;
  }
  const ranges: IpRange[] = [];
  for (const item of list) {
    if (typeof item !== 'string') {
      fail('must be an address or CIDR block, or a list of them');
      return undefined;
    }
    try {
      ranges.push(parseIpRange(item));
    } catch (err) {
      fail((err as Error).message);
      return undefined;
    }
  }
  return ranges;
}

function compileLabels(
  value: unknown,
  out: Array<[string, Pattern]>,
  written: Record<string, string>,
  report: (path: string, message: string, key?: string) => void,
  notMapping: () => void,
): void {
  if (!isMapping(value)) {
    notMapping();
    return;
  }
  for (const [label, pattern] of Object.entries(value)) {
    const compiled = compileField(pattern, (message) => report(`.${label}`, message, label));
    if (compiled) {
      out.push([label, compiled]);
      written[`labels.${label}`] = compiled.text;
    }
  }
}

function checkCaptureRefs(
  fields: ReadonlyArray<readonly [Field, Pattern]>,
  labels: ReadonlyArray<readonly [string, Pattern]>,
  report: (field: string, message: string) => void,
): void {
  const byField = new Map(fields);
  const users: Array<readonly [string, Pattern]> = [...fields, ...labels.map(([k, p]) => [`labels.${k}`, p] as const)];
  for (const [field, pattern] of users) {
    for (const ref of pattern.captureRefs) {
      const source = byField.get(ref.field);
      const name = `\${${ref.field}:${ref.group}}`;
      if (source === undefined) report(field, `${name} refers to \`${ref.field}\`, which this rule does not match on`);
      else if (source.kind !== 'regex') report(field, `${name} needs \`${ref.field}\` to be a /regex/ with capture groups`);
      else if (source.groups < ref.group) report(field, `${name}: \`${ref.field}\` has only ${source.groups} capture group(s)`);
      else if (source.captureRefs.length > 0) report(field, `${name}: \`${ref.field}\` itself uses captures; chains are not allowed`);
    }
  }
}

function compileActions(value: unknown, fail: (message: string) => void): string[] | undefined {
  if (value === undefined) {
    fail('is required (use [] to deny explicitly)');
    return undefined;
  }
  if (!Array.isArray(value)) {
    fail('must be a list, e.g. [pull] or ["*"]');
    return undefined;
  }
  const actions: string[] = [];
  for (const action of value) {
    if (typeof action !== 'string' || (action !== '*' && !ACTION.test(action))) {
      fail(`${JSON.stringify(action)} is not an action (lowercase letters, or "*")`);
      return undefined;
    }
    if (!actions.includes(action)) actions.push(action);
  }
  if (actions.includes('*') && actions.length > 1) {
    fail('"*" already grants every action; list it alone');
    return undefined;
  }
  return actions;
}

function compileGroups(node: unknown, report: Report): Map<string, string[]> {
  const byAccount = new Map<string, string[]>();
  if (node === undefined) return byAccount;
  if (!isMapping(node)) {
    report('groups', 'must be a mapping of group name → list of users', node);
    return byAccount;
  }
  for (const [group, members] of Object.entries(node)) {
    if (!Array.isArray(members) || !members.every((m) => typeof m === 'string' && m !== '')) {
      report(`groups.${group}`, 'must be a list of user names', node, group);
      continue;
    }
    for (const account of members as string[]) {
      const groups = byAccount.get(account) ?? [];
      if (!groups.includes(group)) groups.push(group);
      byAccount.set(account, groups);
    }
  }
  return byAccount;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
