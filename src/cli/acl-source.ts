import { dirname, resolve } from 'node:path';
import { compileAcl } from '../authz/acl-compile.js';
import type { Acl } from '../authz/acl.js';
import { loadSettings, type Settings } from '../config/settings.js';
import { readText } from '../config/source-files.js';
import { parseYamlDocument, type YamlDocument } from '../config/yaml-document.js';
import { ConfigError } from '../errors.js';
import { stringOption, type CommandIO, type Parsed } from './command.js';

/** The ACL a command works on: --acl FILE, or PURSER_ACL (default acl.yml). */
export function aclPath(args: Parsed, io: CommandIO, settings: Settings, option = 'acl'): string {
  const file = stringOption(args, option);
  return file === undefined ? settings.aclFile : resolve(io.cwd, file);
}

export function settingsFor(io: CommandIO): Settings {
  return loadSettings(io.env, io.cwd);
}

/** Reads and compiles an ACL with the server's own code; throws ConfigError listing every problem. */
export async function loadAcl(file: string): Promise<{ acl: Acl; doc: YamlDocument }> {
  const doc = parseYamlDocument(await readText(file), file);
  const { acl, issues } = compileAcl(doc);
  if (acl === undefined) throw new ConfigError(issues);
  return { acl, doc };
}

export function casesPathBeside(aclFile: string): string {
  return resolve(dirname(aclFile), 'acl.test.yml');
}
