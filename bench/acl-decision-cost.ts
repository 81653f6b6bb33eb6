import { compileAcl } from '../src/authz/acl-compile.js';
import { parseScope } from '../src/authz/scope.js';
import { parseYamlDocument } from '../src/config/yaml-document.js';
import { largeAcl, smallAcl } from './acl-fixture.js';

export interface AclDecisionCost {
  readonly rules: number;
  readonly microseconds: number;
}

/**
 * The matcher's own cost per decision, in this process, for the repeat request against the 10-rule
 * and the 1,000-rule ACL: a figure the load tests' run-to-run noise cannot blur.
 */
export function measureAclDecisionCost(requester: string, users: readonly string[]): AclDecisionCost[] {
  return [smallAcl(requester, ['bob', requester]), largeAcl(users, requester)].map((fixture) => {
    const { acl } = compileAcl(parseYamlDocument(fixture.text, 'acl.yml'));
    if (acl === undefined) throw new Error('the benchmark ACL does not compile');
    const scope = parseScope(`repository:${requester}/app:pull,push`);
    const request = { account: requester, ip: '127.0.0.1', service: 'Docker registry', labels: acl.labelsFor(requester) };
    for (let i = 0; i < 20_000; i++) acl.authorize(request, scope);
    const rounds = 200_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) acl.authorize(request, scope);
    return { rules: fixture.rules, microseconds: Number(process.hrtime.bigint() - started) / rounds / 1000 };
  });
}
