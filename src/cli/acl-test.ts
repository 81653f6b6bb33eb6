import { resolve } from 'node:path';
import { parseAclCases, runAclCases } from '../authz/acl-cases.js';
import { readText } from '../config/source-files.js';
import { parseYamlDocument } from '../config/yaml-document.js';
import { ConfigError } from '../errors.js';
import { line, type Command } from './command.js';
import { aclPath, casesPathBeside, loadAcl, settingsFor } from './acl-source.js';
import { describeRule } from './describe-decision.js';

export const aclTestCommand: Command = {
  name: 'acl test',
  summary: 'check an ACL against a file of expected decisions (for CI)',
  help: `Usage: purser acl test [CASES] [--acl FILE]

Runs every case of CASES (default: acl.test.yml beside the ACL) through the same matcher the server uses
and prints each case that fails, with the rule that decided it. A case:

  - name: alice pushes to her namespace     # optional
    account: alice                          # "" or left out: anonymous
    ip: 10.0.0.7                            # optional
    service: Docker registry                # optional; default: the first of PURSER_SERVICE
    groups: [admins]                        # optional; added to the groups acl.yml gives the account
    scope: repository:alice/app:pull,push
    granted: [pull, push]                   # [] for a denial

Exit status: 0 when every case passes, 1 when any fails or a file is invalid.
`,
  options: { acl: { type: 'string' } },
  positionals: { min: 0, max: 1 },
  async run(args, io) {
    const settings = settingsFor(io);
    const aclFile = aclPath(args, io, settings);
    const casesFile = args.positionals[0] === undefined ? casesPathBeside(aclFile) : resolve(io.cwd, args.positionals[0]);
    const { acl } = await loadAcl(aclFile);
    const { cases, issues } = parseAclCases(parseYamlDocument(await readText(casesFile), casesFile));
    if (issues.length > 0) throw new ConfigError(issues);
    const results = runAclCases(acl, cases, settings.services[0] ?? '');
    const failed = results.filter((r) => !r.passed);
    for (const { testCase, decision } of failed) {
      const who = testCase.account === '' ? 'anonymous' : testCase.account;
      const where = testCase.line === undefined ? casesFile : `${casesFile}:${testCase.line}`;
      line(io.stdout, `FAIL ${where}${testCase.name ? ` ${JSON.stringify(testCase.name)}` : ''}`);
      line(io.stdout, `  ${who} asking ${testCase.scope}: expected [${testCase.granted.join(', ')}], got [${decision.granted.join(', ')}]`);
      line(io.stdout, `  rule: ${describeRule(acl, decision)}`);
    }
    line(io.stdout, `${results.length} case(s): ${results.length - failed.length} passed, ${failed.length} failed (${aclFile})`);
    return failed.length > 0 ? 1 : 0;
  },
};
