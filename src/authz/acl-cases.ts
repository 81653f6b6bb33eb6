import type { Decision } from '../auth.js';
import type { ConfigIssue } from '../errors.js';
import type { YamlDocument } from '../config/yaml-document.js';
import { normalizeIp } from './ip-range.js';
import type { Acl } from './acl.js';
import { parseScope } from './scope.js';

/** One expected decision from an `acl.test.yml`. */
export interface AclCase {
  readonly line: number | undefined;
  readonly name: string | undefined;
  readonly account: string;
  readonly ip: string | undefined;
  readonly service: string | undefined;
  readonly groups: readonly string[];
  readonly scope: string;
  readonly granted: readonly string[];
}

export interface AclCaseResult {
  readonly testCase: AclCase;
  readonly decision: Decision;
  readonly passed: boolean;
}

const KEYS = ['name', 'account', 'ip', 'service', 'groups', 'scope', 'granted'];

/**
 * Reads a list of cases: `account` ("" or left out for anonymous), optional `ip`, `service` and
 * `groups` (added to the groups acl.yml gives the account), a `scope`, and the `granted` actions
 * expected (`[]` for a denial). Unknown keys are errors, like in acl.yml.
 */
export function parseAclCases(doc: YamlDocument): { cases: AclCase[]; issues: ConfigIssue[] } {
  const cases: AclCase[] = [];
  const issues: ConfigIssue[] = [];
  if (!Array.isArray(doc.value)) {
    issues.push({ file: doc.file, path: '', message: 'must be a list of cases' });
    return { cases, issues };
  }
  doc.value.forEach((node: unknown, i) => {
    const fail = (field: string, message: string): void => {
      const line = doc.lineOf(node, field || undefined);
      issues.push(line === undefined ? { file: doc.file, path: `[${i}]${field ? `.${field}` : ''}`, message } : { file: doc.file, path: `[${i}]${field ? `.${field}` : ''}`, line, message });
    };
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return fail('', 'a case must be a mapping');
    const c = node as Record<string, unknown>;
    const before = issues.length;
    for (const key of Object.keys(c)) if (!KEYS.includes(key)) fail(key, `unknown key; a case has ${KEYS.join(', ')}`);
    const text = (key: string): string | undefined => {
      const value = c[key];
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'string') fail(key, 'must be a string');
      return typeof value === 'string' ? value : undefined;
    };
    const strings = (key: string): string[] => {
      const value = c[key] ?? [];
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
        fail(key, 'must be a list of strings');
        return [];
      }
      return value as string[];
    };
    const scope = text('scope');
    if (scope === undefined) fail('scope', 'is required');
    else {
      try {
        parseScope(scope);
      } catch (err) {
        fail('scope', (err as Error).message);
      }
    }
    if (c.granted === undefined) fail('granted', 'is required ([] for a denial)');
    const ipText = text('ip');
    const ip = ipText === undefined ? undefined : normalizeIp(ipText);
    if (ipText !== undefined && ip === undefined) fail('ip', `${JSON.stringify(ipText)} is not an IP address`);
    const testCase: AclCase = {
      line: doc.lineOf(node),
      name: text('name'),
      account: text('account') ?? '',
      ip,
      service: text('service'),
      groups: strings('groups'),
      scope: scope ?? '',
      granted: strings('granted'),
    };
    if (issues.length === before) cases.push(testCase);
  });
  return { cases, issues };
}

/** Runs every case through the ACL, with the same matcher the server uses. */
export function runAclCases(acl: Acl, cases: readonly AclCase[], defaultService: string): AclCaseResult[] {
  return cases.map((testCase) => {
    const decision = decideFor(acl, {
      account: testCase.account,
      ip: testCase.ip,
      service: testCase.service ?? defaultService,
      groups: testCase.groups,
      scope: testCase.scope,
    });
    const passed = sameSet(decision.granted, testCase.granted);
    return { testCase, decision, passed };
  });
}

/** One decision for a described request: the ACL's groups for the account plus any extra ones. */
export function decideFor(
  acl: Acl,
  request: { account: string; ip: string | undefined; service: string; groups: readonly string[]; scope: string },
): Decision {
  const groups = [...(acl.labelsFor(request.account).get('group') ?? [])];
  for (const group of request.groups) if (!groups.includes(group)) groups.push(group);
  const labels = new Map(groups.length > 0 ? [['group', groups]] : []);
  return acl.authorize({ account: request.account, ip: request.ip, service: request.service, labels }, parseScope(request.scope));
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
