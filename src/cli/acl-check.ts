import { existsSync } from 'node:fs';
import { lintAcl } from '../authz/acl-lint.js';
import { parseHtpasswd } from '../authn/htpasswd.js';
import { readText } from '../config/source-files.js';
import { ConfigError, formatIssue } from '../errors.js';
import { flag, line, type Command } from './command.js';
import { loadAcl, settingsFor } from './acl-source.js';
import { resolve } from 'node:path';

export const aclCheckCommand: Command = {
  name: 'acl check',
  summary: 'validate an ACL and warn about rules that can never match',
  help: `Usage: purser acl check [FILE] [--strict]

Validates an ACL (default: PURSER_ACL, or acl.yml) with the server's own loader and prints every problem
with its rule index, field and line. Then warns about rules that can never match because an earlier
rule always wins, write access open to anonymous clients, actions registries never use, and group
members missing from users.htpasswd.

Exit status: 0 when the ACL is valid (warnings allowed), 1 when it is not, or with --strict when there
are warnings.
`,
  options: { strict: { type: 'boolean' } },
  positionals: { min: 0, max: 1 },
  async run(args, io) {
    const settings = settingsFor(io);
    const file = args.positionals[0] === undefined ? settings.aclFile : resolve(io.cwd, args.positionals[0]);
    let loaded;
    try {
      loaded = await loadAcl(file);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const issue of err.issues) line(io.stdout, `error: ${formatIssue(issue)}`);
      line(io.stdout, `${file}: ${err.issues.length} problem(s); purser would refuse this ACL`);
      return 1;
    }
    const { acl, doc } = loaded;
    const warnings = lintAcl(acl, doc);
    if (existsSync(settings.htpasswdFile)) {
      const users = parseHtpasswd(await readText(settings.htpasswdFile), settings.htpasswdFile).users;
      const members = new Set<string>();
      const groups = (doc.value as { groups?: Record<string, unknown> } | null)?.groups ?? {};
      for (const list of Object.values(groups)) for (const member of list as string[]) members.add(member);
      for (const member of members) {
        if (!users.has(member)) warnings.push({ file, path: 'groups', message: `${JSON.stringify(member)} is in a group but not in ${settings.htpasswdFile}` });
      }
    }
    for (const warning of warnings) line(io.stdout, `warning: ${formatIssue(warning)}`);
    line(io.stdout, `${file}: ${acl.rules.length} rule(s), valid${warnings.length > 0 ? `, ${warnings.length} warning(s)` : ''}`);
    return warnings.length > 0 && flag(args, 'strict') ? 1 : 0;
  },
};
