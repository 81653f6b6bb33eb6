import { loadSettings, type Settings } from '../../src/config/settings.js';
import { buildSnapshot, type Snapshot } from '../../src/config/snapshot.js';
import type { SigningAlg } from '../../src/token/signing-key.js';
import { signingPair } from './keys.js';
import { htpasswdFor } from './users.js';

export const TEST_ACL = `
groups:
  admins: [admin]
acl:
  - match: {labels: {group: admins}}
    actions: ["*"]
    comment: admins
  - match: {type: registry, name: catalog}
    actions: []
    comment: no catalog
  - match: {account: "/.+/", name: "\${account}/**"}
    actions: [pull, push]
    comment: own namespace
  - match: {name: "public/**"}
    actions: [pull]
    comment: public pulls
`;

export const TEST_USERS = { admin: 'admin-secret', alice: 'alice-secret', bob: 'bob-secret' };

export interface TestConfig {
  readonly acl?: string;
  readonly users?: Readonly<Record<string, string>>;
  readonly htpasswd?: string;
  /** The text of the API tokens file. */
  readonly apiTokens?: string;
  /** The text of the federation file. */
  readonly federation?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly alg?: SigningAlg;
}

export function testSettings(env: Readonly<Record<string, string>> = {}): Settings {
  return loadSettings({ PURSER_LISTEN: '127.0.0.1:0', PURSER_LOG_LEVEL: 'silent', ...env }, '/tmp/purser-test');
}

/** A snapshot built from texts in memory, with a signing key made for the test run. */
export function testSnapshot(config: TestConfig = {}, settings = testSettings(config.env)): Snapshot {
  const pair = signingPair(config.alg);
  return buildSnapshot(settings, {
    acl: config.acl ?? TEST_ACL,
    users: config.htpasswd ?? htpasswdFor(config.users ?? TEST_USERS),
    apiTokens: config.apiTokens ?? '',
    federation: config.federation ?? '',
    signingKey: pair.keyPem,
    signingCert: pair.certPem,
  });
}
