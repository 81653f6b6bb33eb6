import { resolve } from 'node:path';
import { loadSettings } from '../config/settings.js';
import { stringOption, type CommandIO, type Parsed } from './command.js';

/** The signing key and certificate files a certs command works on: --dir DIR, or the settings'. */
export function signingFiles(args: Parsed, io: CommandIO): { key: string; cert: string } {
  const dir = stringOption(args, 'dir');
  if (dir !== undefined) return { key: resolve(io.cwd, dir, 'token.key'), cert: resolve(io.cwd, dir, 'token.crt') };
  const settings = loadSettings(io.env, io.cwd);
  return { key: settings.signingKeyFile, cert: settings.signingCertFile };
}
