/**
 * A trusted issuer down when purser starts: purser starts anyway, refuses that issuer's tokens
 * (and only that issuer's) while it cannot fetch the keys, and accepts them once the provider
 * answers, with no restart and no reload. The provider is oidc-provider on a fixed loopback port;
 * it is started once before purser only to mint the token the job would hold, and stopped.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { startTestIssuer, type TestIssuer } from '../helpers/test-issuer.js';
import { githubActionsClaims, gitlabCiClaims } from '../helpers/workload-claims.js';
import { makeTempDir } from './harness/make-temp-dir.js';
import { auditSince, outputMark, waitForAudit } from './harness/purser-audit.js';
import { describeResult } from './harness/run-command.js';
import { skopeo } from './harness/skopeo.js';
import { startOidcProvider, type OidcClient, type RunningOidcProvider } from './harness/start-oidc-provider.js';
import { startPurser, type RunningPurser } from './harness/start-purser.js';
import { startRegistry, type RunningRegistry } from './harness/start-registry.js';

const ACL = `
acl:
  - {match: {account: "/^(github|gitlab):/"}, actions: [pull], comment: any federated identity pulls}
`;
const NO_THROTTLE = { PURSER_THROTTLE_IP_MAX: '1000', PURSER_THROTTLE_ACCOUNT_MAX: '1000' };
const AUDIENCE = 'https://registry.example.com';
const CLIENTS: OidcClient[] = [{ clientId: 'acme-web', secret: 'acme-web-secret', claims: gitlabCiClaims('acme/web') }];

describe('the provider down when purser starts, then up', () => {
  let port: number;
  let keys: RunningOidcProvider['keys'];
  let token: string;
  let provider: RunningOidcProvider | undefined;
  let github: TestIssuer;
  let purser: RunningPurser;
  let registry: RunningRegistry;

  before(async () => {
    port = await freePort();
    const minting = await startOidcProvider({ clients: CLIENTS, port });
    token = await minting.token('acme-web', AUDIENCE);
    keys = minting.keys;
    await minting.stop();
    github = await startTestIssuer();
    const federationFile = join(makeTempDir('federation'), 'federation.yml');
    writeFileSync(
      federationFile,
      `
- name: gitlab
  issuer: http://127.0.0.1:${port}
  audience: ${AUDIENCE}
  account: "gitlab:\${claims:project_path}"
- name: github
  issuer: ${github.issuer}
  audience: registry.example.com
  account: "github:\${claims:repository}"
`,
    );
    purser = await startPurser({ acl: ACL, users: {}, env: { PURSER_FEDERATION: federationFile, ...NO_THROTTLE } });
    registry = await startRegistry({ realm: purser.realm, rootCertBundle: purser.certFile });
  });

  after(async () => {
    await registry?.stop();
    await purser?.stop();
    await Promise.all([provider?.stop(), github?.close()]);
  });

  const login = (user: string, password: string) =>
    skopeo(['login', '--tls-verify=false', '--username', user, '--password', password, registry.host]);

  test('purser starts, and says it cannot fetch the keys', async () => {
    for (let i = 0; i < 50 && !/cannot fetch the signing keys of a trusted issuer/.test(purser.output()); i++) await sleep(100);
    assert.match(purser.output(), /cannot fetch the signing keys of a trusted issuer/);
  });

  test("skopeo login with the provider's token is refused while it is down; another issuer's works", async () => {
    const mark = await outputMark(purser);
    const refused = await login('gitlab', token);
    assert.notEqual(refused.code, 0, describeResult(refused));
    assert.match(refused.stderr, /invalid username\/password/, describeResult(refused));
    assert.equal((await waitForAudit(purser, mark, (e) => e.outcome === 'failed')).reason, 'issuer_keys_unavailable');
    const other = await login('github', await github.sign(githubActionsClaims()));
    assert.equal(other.code, 0, describeResult(other));
  });

  test('the provider comes up on its port: the same token logs in, purser was not restarted', async () => {
    const { pid } = await waitForAudit(purser, 0, (e) => e.reason === 'issuer_keys_unavailable');
    provider = await startOidcProvider({ clients: CLIENTS, port, keys });
    // purser tries an issuer's keys at most once per 5 s; a refused attempt is answered at once.
    const mark = await outputMark(purser);
    let result = await login('gitlab', token);
    for (let i = 0; i < 20 && result.code !== 0; i++) {
      await sleep(500);
      result = await login('gitlab', token);
    }
    assert.equal(result.code, 0, `${describeResult(result)}\n${JSON.stringify(auditSince(purser, mark), null, 2)}`);
    const granted = await waitForAudit(purser, mark, (e) => e.outcome === 'granted' && e.account === 'gitlab:acme/web');
    assert.equal(granted.pid, pid, 'the same purser process');
  });

  test('the provider goes down again: purser keeps the keys it fetched', async () => {
    await provider?.stop();
    provider = undefined;
    const result = await login('gitlab', token);
    assert.equal(result.code, 0, describeResult(result));
  });
});
