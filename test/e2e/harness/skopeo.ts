import { clientSandbox } from './client-sandbox.js';
import { runCommand, type CommandResult } from './run-command.js';

/**
 * Runs `skopeo ARGS` with a sandboxed HOME and auth file (see clientSandbox). Pass TLS and
 * credential flags yourself (--dest-tls-verify=false, --src-creds user:pw, --src-no-creds ...).
 */
export function skopeo(args: readonly string[]): Promise<CommandResult> {
  return runCommand('skopeo', ['--command-timeout', '60s', ...args], { env: clientSandbox().env, timeoutMs: 90_000 });
}
