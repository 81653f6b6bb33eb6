import { Directory, DirectoryUnavailableError } from '../authn/ldap/directory.js';
import type { Settings } from '../config/settings.js';
import type { CommandIO } from './command.js';
import { line } from './command.js';

/**
 * The groups the directory gives an account, as the server would read them, for `acl explain`:
 * none without LDAP, for the anonymous account, or for a user of users.htpasswd (a local user wins).
 */
export async function directoryGroups(settings: Settings, account: string, localUsers: ReadonlySet<string>, io: CommandIO): Promise<string[]> {
  if (settings.ldap === undefined || account === '' || localUsers.has(account)) return [];
  const directory = new Directory(settings.ldap);
  try {
    const search = await directory.findUser(account);
    return search.found === undefined ? [] : [...search.found.groups];
  } catch (err) {
    if (!(err instanceof DirectoryUnavailableError)) throw err;
    line(io.stderr, `purser acl explain: no directory groups for ${account}: ${err.message}`);
    return [];
  } finally {
    await directory.close();
  }
}
