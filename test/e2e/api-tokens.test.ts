/**
 * API tokens end to end: tokens made with `purser api-token create` against a running purser, used
 * by real clients against registry 2.8. A CI robot's token pushes with skopeo to the one namespace
 * its scopes allow and nowhere else, even where the ACL would let its account; `api-token revoke`,
 * an expiry and a deleted user each end a token while purser runs, noticed by its reloader alone
 * (PURSER_RELOAD_INTERVAL=1, no signal, no restart); and the real `docker login` with a token,
 * using the very line `create` prints, pushes and pulls on the identity token it stores, until
 * the token is revoked.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseApiTokens } from '../../src/config/api-tokens-file.js';
import { parseYamlDocument } from '../../src/config/yaml-document.js';
import { purser as purserCli } from '../helpers/cli.js';
import { docker } from './harness/docker.js';
import { makeTempDir } from './harness/make-temp-dir.js';
import { describeResult, runCommand, type CommandResult } from './harness/run-command.js';
import { skopeo } from './harness/skopeo.js';
import { DOCKER, startDockerd, type RunningDockerd } from './harness/start-dockerd.js';
import { startPurser, type RunningPurser } from './harness/start-purser.js';
import { startRegistry, type RunningRegistry } from './harness/start-registry.js';
import { tarWithOneFile } from './harness/tar-with-one-file.js';
import { writeOciLayout, type OciImage } from './harness/write-oci-layout.js';

const ACL = `
acl:
  - {match: {labels: {group: ci}, name: "team/**"}, actions: [pull, push], comment: CI robots publish team images}
  - {match: {account: "/.+/", name: "\${account}/**"}, actions: [pull, push], comment: own namespace}
  - {match: {account: "/.+/", name: "shared/**"}, actions: [pull, push], comment: logged-in users share shared/**}
`;
const USERS = { alice: 'alice-secret', bob: 'bob-secret' };
const RELOAD_SECONDS = 1;

interface AuditEvent {
  method: string;
  grantType: string;
  account?: string;
  source?: string;
  identity?: { token_id?: string; token_name?: string };
  outcome: string;
  reason?: string;
  granted: string[];
  decisions: Array<{ scope: string; rule: number | null; capped?: true }>;
}

let purser: RunningPurser;
let registry: RunningRegistry;
let scratch: string;
let image: OciImage;

before(async () => {
  scratch = makeTempDir('api-tokens');
  purser = await startPurser({ acl: ACL, users: USERS, env: { PURSER_RELOAD_INTERVAL: String(RELOAD_SECONDS) } });
  registry = await startRegistry({ realm: purser.realm, rootCertBundle: purser.certFile });
  image = writeOciLayout(join(scratch, 'image'), 'v1', 'pushed with an API token\n');
});

after(async () => {
  await registry?.stop();
  await purser?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------

/** `purser api-token …` in purser's folder, with purser's own settings: api-tokens.yml and users.htpasswd there. */
async function tokenCli(args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  const result = await purserCli(['api-token', ...args], { cwd: purser.dir, env: { PURSER_RELOAD_INTERVAL: String(RELOAD_SECONDS) } });
  assert.equal(result.code, 0, `purser api-token ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
  return result;
}

interface Made {
  readonly secret: string;
  readonly id: string;
  readonly printed: string;
}

/** Makes a token and waits until the running purser has loaded it. */
async function createToken(args: readonly string[]): Promise<Made> {
  const { stdout, stderr } = await tokenCli(['create', ...args]);
  const secret = stdout.trim();
  const id = /created API token (tok_[0-9a-f]{12})/.exec(stderr)?.[1];
  assert.ok(id, stderr);
  const account = args[args.indexOf('--account') + 1] ?? '';
  await until(`purser loads ${id}`, async () => (await tokenStatus(account, secret)) === 200);
  return { secret, id, printed: stderr };
}

/** The status of GET /auth with these credentials and no scope: what docker login asks. */
async function tokenStatus(account: string, secret: string): Promise<number> {
  const res = await fetch(`${purser.realm}?service=Docker+registry`, { headers: { Authorization: `Basic ${Buffer.from(`${account}:${secret}`).toString('base64')}` } });
  await res.arrayBuffer();
  return res.status;
}

async function until(what: string, check: () => Promise<boolean>, seconds = 10): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < seconds * 1000) {
    if (await check()) return (Date.now() - start) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return assert.fail(`not within ${seconds} s: ${what}`);
}

function auditLines(): AuditEvent[] {
  return purser
    .output()
    .split('\n')
    .filter((line) => line.includes('"audit":true') && line.endsWith('}'))
    .map((line) => JSON.parse(line) as AuditEvent);
}

/** purser's output arrives through a pipe: wait for the event rather than race it. */
async function auditEvent(what: string, match: (event: AuditEvent) => boolean): Promise<AuditEvent> {
  await until(`an audit event: ${what}`, async () => auditLines().some(match), 5);
  return auditLines().find(match) as AuditEvent;
}

const push = (creds: string, repo: string, tag = 'v1'): Promise<CommandResult> =>
  skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${image.dir}:v1`, `docker://${registry.host}/${repo}:${tag}`]);
const inspect = (creds: string, repo: string): Promise<CommandResult> =>
  skopeo(['inspect', '--tls-verify=false', '--creds', creds, `docker://${registry.host}/${repo}:v1`]);
const REFUSED = /unauthorized|authentication required|denied/i;

// ---------------------------------------------------------------------------------------------

describe('API tokens with registry 2.8, skopeo and docker', () => {
  test("a CI robot's token pushes with skopeo to its namespace, and is refused elsewhere, even where the ACL allows its account", async () => {
    const robot = await createToken(['--account', 'ci-bot', '--name', 'github-actions', '--group', 'ci', '--scope', 'repository:team/**:pull,push']);
    const creds = `ci-bot:${robot.secret}`;

    const pushed = await push(creds, 'team/app');
    assert.equal(pushed.code, 0, describeResult(pushed));
    const granted = await auditEvent('the robot granted push on team/app', (e) => e.identity?.token_id === robot.id && e.granted.includes('repository:team/app:pull,push'));
    assert.deepEqual([granted.account, granted.source, granted.identity?.token_name], ['ci-bot', 'api-token', 'github-actions']);
    const pulled = await inspect(creds, 'team/app');
    assert.equal(pulled.code, 0, describeResult(pulled));
    assert.match(pulled.stdout, new RegExp(`"Digest": "${image.manifestDigest}"`));

    // shared/** is open to every account and ci-bot/** is the account's own: the token's scope caps both away.
    for (const repo of ['shared/app', 'ci-bot/app']) {
      const refused = await push(creds, repo);
      assert.notEqual(refused.code, 0, `${repo}: ${describeResult(refused)}`);
      assert.match(refused.stderr, REFUSED, describeResult(refused));
      const event = await auditEvent(`the cap on ${repo}`, (e) => e.identity?.token_id === robot.id && e.decisions.some((d) => d.scope.startsWith(`repository:${repo}:`)));
      assert.ok(event.decisions.some((d) => d.scope.startsWith(`repository:${repo}:`) && d.capped === true && d.rule !== null), JSON.stringify(event));
      assert.ok(!event.granted.some((scope) => scope.startsWith(`repository:${repo}:`)), JSON.stringify(event));
    }
    // Nothing reached the registry: alice, whom the ACL lets into shared/**, finds no such repository.
    const absent = await inspect(`alice:${USERS.alice}`, 'shared/app');
    assert.notEqual(absent.code, 0);
    assert.match(absent.stderr, /manifest unknown|name unknown|not found/i, describeResult(absent));
  });

  test('api-token revoke while purser runs: refused within the reload interval, with no restart', async () => {
    const release = await createToken(['--account', 'ci-bot', '--name', 'release', '--group', 'ci', '--scope', 'repository:team/**:pull']);
    const creds = `ci-bot:${release.secret}`;
    assert.equal((await inspect(creds, 'team/app')).code, 0);
    const pid = /"pid":(\d+)/.exec(purser.output())?.[1];

    const { stdout } = await tokenCli(['revoke', 'ci-bot/release']);
    assert.match(stdout, new RegExp(`^revoked ${release.id} \\(ci-bot/release\\)`, 'm'));
    assert.match(stdout, /within 1 s \(PURSER_RELOAD_INTERVAL\), with no restart/);
    // One reload interval, plus the watcher's debounce and the time a skopeo run takes.
    const took = await until('skopeo is refused with the revoked token', async () => (await inspect(creds, 'team/app')).code !== 0, RELOAD_SECONDS + 4);
    const refused = await inspect(creds, 'team/app');
    assert.match(refused.stderr, REFUSED, describeResult(refused));
    assert.ok(took <= RELOAD_SECONDS + 4, `took ${took} s`);
    await auditEvent('the revoked token refused', (e) => e.outcome === 'failed' && e.reason === 'api_token_unknown' && e.account === 'ci-bot');
    // The same process all along, and the other robot token still works.
    assert.equal(/"pid":(\d+)/.exec(purser.output().split('\n').filter((l) => l.includes('"pid"')).at(-1) ?? '')?.[1], pid);
    assert.match(purser.output(), /reload/i);
    const robot = readTokens().find((t) => t.name === 'github-actions');
    assert.ok(robot, 'the other token is still in the file');
  });

  test('an expired token is refused', async () => {
    const brief = await createToken(['--account', 'ci-bot', '--name', 'brief', '--group', 'ci', '--scope', 'repository:team/**:pull', '--expires', '6s']);
    const creds = `ci-bot:${brief.secret}`;
    const expires = readTokens().find((t) => t.id === brief.id)?.expires ?? 0;
    assert.ok(expires > Date.now() / 1000, 'not expired yet');
    const early = await inspect(creds, 'team/app');
    assert.equal(early.code, 0, describeResult(early));

    await new Promise((resolve) => setTimeout(resolve, expires * 1000 - Date.now() + 500));
    const late = await inspect(creds, 'team/app');
    assert.notEqual(late.code, 0, describeResult(late));
    assert.match(late.stderr, REFUSED, describeResult(late));
    await auditEvent('the expired token refused', (e) => e.outcome === 'failed' && e.reason === 'api_token_expired' && e.identity?.token_id === brief.id);
  });

  test('a personal token is its user, and stops when the user is deleted', async () => {
    const laptop = await createToken(['--account', 'alice', '--name', 'laptop']);
    assert.match(laptop.printed, /personal token of user alice/);
    const creds = `alice:${laptop.secret}`;
    const pushed = await push(creds, 'alice/app');
    assert.equal(pushed.code, 0, describeResult(pushed));
    await auditEvent('alice by her token', (e) => e.identity?.token_id === laptop.id && e.account === 'alice' && e.outcome === 'granted');

    const deleted = await purserCli(['user', 'del', 'alice'], { cwd: purser.dir });
    assert.equal(deleted.code, 0, deleted.stderr);
    await until('skopeo is refused with the token of a deleted user', async () => (await inspect(creds, 'alice/app')).code !== 0, RELOAD_SECONDS + 4);
    await auditEvent('the token of a deleted user refused', (e) => e.outcome === 'failed' && e.reason === 'api_token_user_gone' && e.identity?.token_id === laptop.id);
    // bob, still a user, is not affected.
    assert.equal((await push(`bob:${USERS.bob}`, 'bob/app')).code, 0);
  });

  describe('the Docker Engine', () => {
    let dockerd: RunningDockerd;
    before(async () => {
      dockerd = await startDockerd();
    });
    after(async () => {
      await dockerd?.stop();
    });

    test('docker login with an API token, using the line create prints; push and pull on the stored identity token, which stops after revocation', async () => {
      const made = await createToken(['--account', 'ci-bot', '--name', 'docker', '--group', 'ci', '--scope', 'repository:team/**:pull,push', '--registry', registry.host]);
      const printed = /^ {2}(echo "\$TOKEN" \| docker login .*)$/m.exec(made.printed)?.[1];
      assert.equal(printed, `echo "$TOKEN" | docker login ${registry.host} -u ci-bot --password-stdin`);
      const env = { PATH: process.env.PATH, HOME: dockerd.dir, DOCKER_HOST: dockerd.host, DOCKER_CONFIG: dockerd.configDir, TOKEN: made.secret };
      const login = await runCommand('sh', ['-c', printed.replace('docker login', `${DOCKER} login`)], { env, timeoutMs: 60_000 });
      assert.equal(login.code, 0, describeResult(login));
      assert.match(login.stdout, /Login Succeeded/);
      const config = readFileSync(join(dockerd.configDir, 'config.json'), 'utf8');
      const stored = (JSON.parse(config) as { auths: Record<string, { auth?: string; identitytoken?: string }> }).auths[registry.host];
      assert.match(stored?.identitytoken ?? '', /^[\w-]+\.[\w-]+\.[\w-]+$/, config);
      assert.equal(Buffer.from(stored?.auth ?? '', 'base64').toString(), 'ci-bot:');
      assert.equal(config.includes(made.secret), false, 'docker keeps the identity token, not the API token');

      const ref = `${registry.host}/team/docker-app:v1`;
      const tarball = join(scratch, 'app.tar');
      writeFileSync(tarball, tarWithOneFile('hello.txt', Buffer.from('pushed by docker with an API token\n')));
      const ok = async (args: string[]) => {
        const result = await docker(dockerd, args);
        assert.equal(result.code, 0, `docker ${args.join(' ')}: ${describeResult(result)}`);
        return result;
      };
      await ok(['import', tarball, ref]);
      const before = auditLines().length;
      const pushed = await ok(['push', ref]);
      const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1];
      assert.ok(digest, describeResult(pushed));
      await ok(['rmi', ref]);
      const pulled = await ok(['pull', ref]);
      assert.match(pulled.stdout, new RegExp(`Digest: ${digest}`));
      // Every token docker fetched came from the identity token, resumed as the API token's identity.
      const used = auditLines().slice(before);
      assert.ok(used.length > 0);
      for (const event of used) {
        assert.deepEqual([event.method, event.grantType, event.account, event.source, event.outcome, event.identity?.token_id], ['POST', 'refresh_token', 'ci-bot', 'api-token', 'granted', made.id], JSON.stringify(event));
      }

      await tokenCli(['revoke', made.id]);
      await until('docker pull is refused after the revocation', async () => (await docker(dockerd, ['pull', ref])).code !== 0, RELOAD_SECONDS + 6);
      const refused = await docker(dockerd, ['pull', ref]);
      assert.match(refused.stderr, /unauthorized|authentication required/, describeResult(refused));
      await auditEvent('the identity token of a revoked API token refused', (e) => e.grantType === 'refresh_token' && e.outcome === 'failed' && e.reason === 'api_token_revoked');
    });
  });
});

function readTokens() {
  const file = join(purser.dir, 'api-tokens.yml');
  return parseApiTokens(parseYamlDocument(readFileSync(file, 'utf8'), file)).tokens?.entries ?? [];
}
