import { aclCheckCommand } from './acl-check.js';
import { aclExplainCommand } from './acl-explain.js';
import { aclTestCommand } from './acl-test.js';
import { certsInitCommand } from './certs-init.js';
import { certsRotateCommand } from './certs-rotate.js';
import { certsTlsCommand } from './certs-tls.js';
import type { Command } from './command.js';
import { doctorCommand } from './doctor.js';
import { healthcheckCommand } from './healthcheck.js';
import { jwksCommand } from './jwks.js';
import { registryConfigCommand } from './registry-config.js';
import { serveCommand } from './serve.js';
import { tokenDecodeCommand } from './token-decode.js';
import { userAddCommand, userDelCommand, userListCommand, userPasswdCommand } from './user-commands.js';

/** Every `purser` command, in the order `purser --help` lists them. */
export const COMMANDS: readonly Command[] = [
  serveCommand,
  certsInitCommand,
  certsTlsCommand,
  certsRotateCommand,
  registryConfigCommand,
  jwksCommand,
  userAddCommand,
  userPasswdCommand,
  userDelCommand,
  userListCommand,
  aclCheckCommand,
  aclExplainCommand,
  aclTestCommand,
  tokenDecodeCommand,
  doctorCommand,
  healthcheckCommand,
];
