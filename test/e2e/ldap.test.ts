/**
 * Directory users end to end: purser's LDAP source against Debian's slapd (OpenLDAP 2.5), started
 * on loopback with a slapd.conf and a directory the test writes itself (startSlapd,
 * example-directory.ts), in front of the real registry 2.8, driven by skopeo and plain fetch.
 *
 * The main purser reads groups off the user's memberOf (the memberof overlay keeps it); two more
 * search for them instead (groupOfNames by member DN, posixGroup by memberUid); others speak
 * ldaps://, StartTLS, or trust a CA that did not sign slapd's certificate. The directory is changed
 * under a running purser (a member removed, an account deleted), paused and stopped mid-run.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import {
  BASE_DN,
  DIRECTORY_USERS,
  GROUPS_DN,
  PEOPLE_DN,
  SERVICE_ACCOUNT,
  exampleDirectory,
  groupDn,
  personEntry,
  type DirectoryUser,
} from './harness/example-directory.js';
import { modifyLdif, toLdif } from './harness/ldif.js';
import { makeTempDir } from './harness/make-temp-dir.js';
import { describeResult, type CommandResult } from './harness/run-command.js';
import { skopeo } from './harness/skopeo.js';
import { startPurser, type RunningPurser } from './harness/start-purser.js';
import { startRegistry, type RunningRegistry } from './harness/start-registry.js';
import { startSlapd, type RunningSlapd } from './harness/start-slapd.js';
import { makeTlsFiles } from './harness/tls-files.js';
import { writeOciLayout, type OciImage } from './harness/write-oci-layout.js';

const ACL = `
acl:
  - {match: {labels: {group: developers}, name: "shared/**"}, actions: [pull, push], comment: developers push to shared}
  - {match: {account: "/.+/", name: "shared/**"}, actions: [pull], comment: everyone signed in pulls shared}
  - {match: {account: "/.+/", name: "\${labels:group}/**"}, actions: [pull, push], comment: every group owns a namespace of its name}
`;

/** htpasswd users: henry is local only; dora is in the directory too, with another password. */
const LOCAL_USERS = { henry: 'henry-local-pw', dora: 'dora-local-pw' };
const { alice, bob, carol, dora, erin, frank, gina } = DIRECTORY_USERS;

/** Every directory user in the tests fails a few times; the throttle has its own tests. */
const COMMON_ENV = {
  PURSER_AUTH_CACHE_TTL: '2',
  PURSER_RELOAD_INTERVAL: '1',
  PURSER_THROTTLE_IP_MAX: '1000',
  PURSER_THROTTLE_ACCOUNT_MAX: '5',
  // The outage test speaks from an address of its own (X-Forwarded-For): one where alice never
  // logged in, so the account lock would apply to it.
  PURSER_TRUSTED_PROXIES: '127.0.0.1/32',
};

interface AuditLine {
  audit?: boolean;
  account?: string;
  source?: string;
  outcome?: string;
  reason?: string;
  grantType?: string;
  method?: string;
  status?: number;
}

let slapd: RunningSlapd;
let purser: RunningPurser;
let registry: RunningRegistry;
let passwordFile: string;
let scratch: string;

/** The LDAP settings every purser here shares: the service account, and users under ou=people. */
function ldapEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...COMMON_ENV,
    PURSER_LDAP_URL: slapd.url,
    PURSER_LDAP_BIND_DN: SERVICE_ACCOUNT.dn,
    PURSER_LDAP_BIND_PASSWORD_FILE: passwordFile,
    PURSER_LDAP_BASE_DN: PEOPLE_DN,
    ...extra,
  };
}

before(async () => {
  scratch = makeTempDir('ldap-images');
  slapd = await startSlapd({ ldif: toLdif(exampleDirectory()) });
  passwordFile = join(makeTempDir('ldap-secret'), 'bind-password');
  writeFileSync(passwordFile, SERVICE_ACCOUNT.password, { mode: 0o600 });
  // The main purser: groups from memberOf (the default), a filter that names the object class so
  // that an unescaped `)(` would still make a valid filter, and a short timeout for the pause test.
  purser = await startPurser({
    acl: ACL,
    users: LOCAL_USERS,
    env: ldapEnv({ PURSER_LDAP_USER_FILTER: '(&(objectClass=inetOrgPerson)(uid={username}))', PURSER_LDAP_TIMEOUT: '2' }),
  });
  registry = await startRegistry({ realm: purser.realm, rootCertBundle: purser.certFile });
});

after(async () => {
  await registry?.stop();
  await purser?.stop();
  await slapd?.stop();
});

// ---------------------------------------------------------------------------------------------

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

/** GET /auth as `user`, for `scope` (none: a login), with any extra query parameters. */
async function getToken(target: RunningPurser, user: string, password: string, scope?: string, extra: Record<string, string> = {}, from?: string) {
  const url = new URL(target.realm);
  url.searchParams.set('service', 'Docker registry');
  if (scope !== undefined) url.searchParams.set('scope', scope);
  for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value);
  const headers: Record<string, string> = { authorization: basic(user, password), ...(from === undefined ? {} : { 'x-forwarded-for': from }) };
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(20_000) });
  const text = await response.text();
  return { status: response.status, text, body: response.status === 200 ? (JSON.parse(text) as { token: string; refresh_token?: string }) : undefined };
}

/** The actions a token from GET /auth grants on `repo`: [] when refused or granted nothing. */
async function granted(target: RunningPurser, user: string, password: string, repo: string): Promise<string[]> {
  const answer = await getToken(target, user, password, `repository:${repo}:pull,push`);
  if (answer.body === undefined) return [];
  const payload = JSON.parse(Buffer.from(answer.body.token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    access: Array<{ type: string; name: string; actions: string[] }>;
  };
  return payload.access.filter((a) => a.type === 'repository' && a.name === repo).flatMap((a) => a.actions).sort();
}

function auditLines(target: RunningPurser): AuditLine[] {
  return target
    .output()
    .split('\n')
    .filter((line) => line.includes('"audit":true'))
    .map((line) => JSON.parse(line) as AuditLine);
}

/** purser's output arrives through a pipe: wait for an audit line (after the first `skip`) rather than race it. */
async function waitForAudit(target: RunningPurser, skip: number, match: (event: AuditLine) => boolean, what: string): Promise<AuditLine> {
  for (let i = 0; i < 50; i++) {
    const found = auditLines(target).slice(skip).find(match);
    if (found !== undefined) return found;
    await sleep(100);
  }
  assert.fail(`no audit event ${what} in:\n${JSON.stringify(auditLines(target).slice(skip), null, 1)}`);
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check()) return Date.now() - start;
    await sleep(200);
  }
  assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${purser.url}/metrics`)).text();
  return Number(text.split('\n').find((line) => line.startsWith(`${name} `))?.split(' ')[1] ?? NaN);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What slapd logged since `mark` (a length of its output). */
const slapdSince = (mark: number): string => slapd.output().slice(mark);
const bindsAs = (log: string, dn: string): number => log.split('\n').filter((line) => line.includes(`BIND dn="${dn}" method=128`)).length;

let layouts = 0;
function image(tag: string, text: string): OciImage {
  layouts += 1;
  return writeOciLayout(join(scratch, `layout-${layouts}`), tag, text);
}
const remote = (repo: string, tag: string): string => `docker://${registry.host}/${repo}:${tag}`;
const creds = (user: DirectoryUser | { uid: string; password: string }): string => `${user.uid}:${user.password}`;

function push(img: OciImage, repo: string, as: string): Promise<CommandResult> {
  return skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', as, `oci:${img.dir}:${img.tag}`, remote(repo, img.tag)]);
}
function inspect(repo: string, tag: string, as: string): Promise<CommandResult> {
  return skopeo(['inspect', '--tls-verify=false', '--creds', as, remote(repo, tag)]);
}
const digestOf = (result: CommandResult): string => {
  assert.equal(result.code, 0, describeResult(result));
  return (JSON.parse(result.stdout) as { Digest: string }).Digest;
};

const DENIED = /denied: requested access to the resource is denied/;
const BAD_LOGIN = /invalid username\/password/;

// ---------------------------------------------------------------------------------------------

describe('directory users with skopeo (groups from memberOf)', () => {
  let shared: OciImage;

  test('alice (developers) logs in, pushes to shared/ and pulls back the identical image; the audit says ldap', async () => {
    const skip = auditLines(purser).length;
    const login = await skopeo(['login', '--tls-verify=false', '--username', 'alice', '--password', alice.password, registry.host]);
    assert.equal(login.code, 0, describeResult(login));
    assert.match(login.stdout, /Login Succeeded/);
    try {
      shared = image('v1', 'pushed by alice from the directory');
      const pushed = await skopeo(['copy', '--dest-tls-verify=false', `oci:${shared.dir}:v1`, remote('shared/app', 'v1')]);
      assert.equal(pushed.code, 0, describeResult(pushed));
      const pulledDir = join(scratch, 'pulled-shared-app');
      const pulled = await skopeo(['copy', '--src-tls-verify=false', remote('shared/app', 'v1'), `oci:${pulledDir}:v1`]);
      assert.equal(pulled.code, 0, describeResult(pulled));
      const index = JSON.parse(readFileSync(join(pulledDir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
      assert.equal(index.manifests[0]?.digest, shared.manifestDigest);
    } finally {
      await skopeo(['logout', registry.host]);
    }
    const event = await waitForAudit(purser, skip, (e) => e.account === 'alice' && e.outcome === 'granted', 'granting alice');
    assert.equal(event.source, 'ldap');
    for (const e of auditLines(purser).slice(skip).filter((e) => e.account === 'alice')) assert.equal(e.source, 'ldap', JSON.stringify(e));
  });

  test('carol, in developers and ops, pushes to each group namespace (${labels:group}) and to shared/', async () => {
    for (const repo of ['developers/tool', 'ops/tool', 'shared/carol']) {
      const result = await push(image('v1', `${repo} by carol`), repo, creds(carol));
      assert.equal(result.code, 0, `${repo}: ${describeResult(result)}`);
    }
  });

  test('alice, outside ops, cannot push to ops/; bob, in no group, pulls shared/ and pushes nowhere', async () => {
    const aliceOps = await push(image('v2', 'alice in ops?'), 'ops/tool', creds(alice));
    assert.notEqual(aliceOps.code, 0, describeResult(aliceOps));
    assert.match(aliceOps.stderr, DENIED, describeResult(aliceOps));

    assert.equal(digestOf(await inspect('shared/app', 'v1', creds(bob))), shared.manifestDigest);
    for (const repo of ['shared/app', 'bob/app', 'developers/tool']) {
      const result = await push(image('v9', `bob was here: ${repo}`), repo, creds(bob));
      assert.notEqual(result.code, 0, `${repo}: ${describeResult(result)}`);
      assert.match(result.stderr, DENIED, describeResult(result));
    }
    const tags = await skopeo(['list-tags', '--tls-verify=false', '--creds', creds(alice), `docker://${registry.host}/shared/app`]);
    assert.deepEqual((JSON.parse(tags.stdout) as { Tags: string[] }).Tags, ['v1'], describeResult(tags));
  });

  test("a wrong directory password is purser's invalid username/password, like htpasswd's", async () => {
    const skip = auditLines(purser).length;
    const result = await push(image('v3', 'x'), 'shared/app', 'alice:not-her-password');
    assert.notEqual(result.code, 0, describeResult(result));
    assert.match(result.stderr, BAD_LOGIN, describeResult(result));
    await waitForAudit(purser, skip, (e) => e.account === 'alice' && e.reason === 'wrong_password', 'wrong_password for alice');
    const local = await push(image('v3', 'x'), 'shared/app', 'henry:not-his-password');
    assert.match(local.stderr, BAD_LOGIN, describeResult(local));
  });

  test('gina, whose DN holds ( ) and *, gets her group qa', async () => {
    assert.deepEqual(await granted(purser, 'gina', gina.password, 'qa/app'), ['pull', 'push']);
    assert.deepEqual(await granted(purser, 'gina', gina.password, 'shared/app'), ['pull']);
  });
});

describe('refusals', () => {
  test('an empty password is refused before the directory hears of it: no bind, no unauthenticated bind', async () => {
    const skip = auditLines(purser).length;
    const mark = slapd.output().length;
    const answer = await getToken(purser, 'alice', '', 'repository:shared/app:pull');
    assert.equal(answer.status, 401, answer.text);
    await waitForAudit(purser, skip, (e) => e.account === 'alice' && e.reason === 'empty_password', 'empty_password for alice');
    const log = slapdSince(mark);
    assert.equal(bindsAs(log, alice.dn), 0, log);
    assert.doesNotMatch(log, /unauthenticated bind/, log);
  });

  test('the same 401 for an unknown user, a wrong password and an empty one', async () => {
    const answers = [
      await getToken(purser, 'nobody', 'whatever'),
      await getToken(purser, 'bob', 'wrong'),
      await getToken(purser, 'bob', ''),
    ];
    for (const answer of answers) assert.equal(answer.status, 401, answer.text);
    assert.equal(new Set(answers.map((a) => a.text)).size, 1, answers.map((a) => a.text).join('\n'));
  });

  test("injection: names with filter syntax, with alice's password, never log in as alice", async () => {
    const mark = slapd.output().length;
    const names = ['*', 'alic*', 'a)(uid=*', 'alice)(uid=*', '*)(|(uid=*', 'alice)(|(objectClass=*', '\\2a', '\\61lice', 'alice\\', alice.dn, '(uid=alice)'];
    for (const name of names) {
      const answer = await getToken(purser, name, alice.password, 'repository:shared/app:pull');
      assert.equal(answer.status, 401, `${JSON.stringify(name)}: ${answer.status} ${answer.text}`);
    }
    const log = slapdSince(mark);
    assert.equal(bindsAs(log, alice.dn), 0, `alice's DN was bound:\n${log}`);
    // slapd logs the filter it was sent: each name arrived escaped (RFC 4515), e.g. * as \2A.
    assert.match(log, /filter="\(&\(objectClass=inetOrgPerson\)\(uid=\\2A\)\)"/i, log);
    assert.match(log, /filter="\(&\(objectClass=inetOrgPerson\)\(uid=a\\29\\28uid=\\2A\)\)"/i, log);
    assert.match(log, /filter="\(&\(objectClass=inetOrgPerson\)\(uid=\\5C2a\)\)"/i, log);
    assert.doesNotMatch(log, /filter="[^"]*uid=(alic)?\*/, log);
  });

  test('a NUL in the user name is refused by the request parser (400)', async () => {
    const answer = await getToken(purser, 'alice\0', alice.password, 'repository:shared/app:pull');
    assert.equal(answer.status, 400, answer.text);
  });

  test('users whose names are filter syntax log in as exactly themselves', async () => {
    const literal = [
      { uid: '*', dn: `cn=Star,${PEOPLE_DN}`, password: 'star-directory-pw' },
      { uid: 'a)(uid=*', dn: `cn=Paren,${PEOPLE_DN}`, password: 'paren-directory-pw' },
      { uid: '\\2a', dn: `cn=Backslash,${PEOPLE_DN}`, password: 'backslash-directory-pw' },
    ];
    await slapd.add(toLdif(literal.map(personEntry)));
    for (const user of literal) {
      const skip = auditLines(purser).length;
      const own = await getToken(purser, user.uid, user.password, 'repository:shared/app:pull');
      assert.equal(own.status, 200, `${JSON.stringify(user.uid)}: ${own.text}`);
      const event = await waitForAudit(purser, skip, (e) => e.outcome === 'granted', `granting ${user.uid}`);
      assert.equal(event.account, user.uid);
      assert.equal(event.source, 'ldap');
      const others = await getToken(purser, user.uid, alice.password, 'repository:shared/app:pull');
      assert.equal(others.status, 401, `${JSON.stringify(user.uid)} with alice's password: ${others.text}`);
    }
    for (const user of literal) await slapd.delete(user.dn);
  });

  test('a local htpasswd user wins over the directory user of the same name', async () => {
    const mark = slapd.output().length;
    const skip = auditLines(purser).length;
    const local = await getToken(purser, 'dora', LOCAL_USERS.dora, 'repository:shared/app:pull,push');
    assert.equal(local.status, 200, local.text);
    const event = await waitForAudit(purser, skip, (e) => e.account === 'dora' && e.outcome === 'granted', 'granting dora');
    assert.equal(event.source, 'htpasswd');
    const directory = await getToken(purser, 'dora', dora.password, 'repository:shared/app:pull');
    assert.equal(directory.status, 401, directory.text);
    assert.equal(bindsAs(slapdSince(mark), dora.dn), 0, 'the directory was asked about dora');
    // As the htpasswd user dora has no directory groups: shared/ is pull only.
    assert.deepEqual(await granted(purser, 'dora', LOCAL_USERS.dora, 'shared/app'), ['pull']);
  });
});

describe('groups by search', () => {
  test('(member={dn}) under ou=groups: groupOfNames, with the DN escaped', async () => {
    const searching = await startPurser({
      acl: ACL,
      users: {},
      env: ldapEnv({ PURSER_LDAP_BASE_DN: BASE_DN, PURSER_LDAP_GROUP_FILTER: '(member={dn})', PURSER_LDAP_GROUP_BASE_DN: GROUPS_DN }),
    });
    try {
      assert.deepEqual(await granted(searching, 'carol', carol.password, 'ops/tool'), ['pull', 'push']);
      assert.deepEqual(await granted(searching, 'carol', carol.password, 'shared/app'), ['pull', 'push']);
      assert.deepEqual(await granted(searching, 'alice', alice.password, 'ops/tool'), []);
      assert.deepEqual(await granted(searching, 'bob', bob.password, 'shared/app'), ['pull']);
      const mark = slapd.output().length;
      assert.deepEqual(await granted(searching, 'gina', gina.password, 'qa/app'), ['pull', 'push']);
      assert.match(slapdSince(mark), /filter="\(member=cn=Gina \\28QA\\29\\2A,ou=people,dc=example,dc=org\)"/i, slapdSince(mark));
    } finally {
      await searching.stop();
    }
  });

  test('(memberUid={username}) under the base DN: posixGroup, and nothing from memberOf', async () => {
    const searching = await startPurser({
      acl: ACL,
      users: {},
      env: ldapEnv({ PURSER_LDAP_BASE_DN: BASE_DN, PURSER_LDAP_GROUP_FILTER: '(memberUid={username})' }),
    });
    try {
      assert.deepEqual(await granted(searching, 'alice', alice.password, 'builders/app'), ['pull', 'push']);
      assert.deepEqual(await granted(searching, 'alice', alice.password, 'shared/app'), ['pull'], 'developers comes from memberOf, not read here');
      assert.deepEqual(await granted(searching, 'carol', carol.password, 'builders/app'), []);
    } finally {
      await searching.stop();
    }
  });
});

describe('TLS to the directory', () => {
  let otherCa: string;
  before(async () => {
    otherCa = (await makeTlsFiles(makeTempDir('other-ca'))).caFile;
  });

  /** Starts a purser with `env`, asks for alice's token, stops it: the answer, its audit event and slapd's log of it. */
  async function aliceThrough(env: Record<string, string>) {
    const through = await startPurser({ acl: ACL, users: {}, env: ldapEnv(env) });
    const mark = slapd.output().length;
    try {
      const answer = await getToken(through, 'alice', alice.password, 'repository:shared/app:pull');
      const event = await waitForAudit(through, 0, (e) => e.account === 'alice', 'for alice');
      return { status: answer.status, text: answer.text, event, log: slapdSince(mark), purserOutput: through.output() };
    } finally {
      await through.stop();
    }
  }
  const tlsBindAs = (log: string, dn: string): boolean =>
    new RegExp(`BIND dn="${dn}" mech=SIMPLE bind_ssf=0 ssf=(?!0\\b)\\d+`).test(log);
  const plainBinds = (log: string): string[] => log.split('\n').filter((line) => / BIND .* ssf=0$/.test(line));

  test('ldaps:// with the CA from purser certs tls', async () => {
    const result = await aliceThrough({ PURSER_LDAP_URL: slapd.ldapsUrl, PURSER_LDAP_CA: slapd.caFile });
    assert.equal(result.status, 200, `${result.text}\n${result.purserOutput}`);
    assert.ok(tlsBindAs(result.log, alice.dn), `alice bound over TLS:\n${result.log}`);
    assert.deepEqual(plainBinds(result.log), []);
  });

  test('StartTLS on ldap:// with the CA', async () => {
    const result = await aliceThrough({ PURSER_LDAP_STARTTLS: 'true', PURSER_LDAP_CA: slapd.caFile });
    assert.equal(result.status, 200, `${result.text}\n${result.purserOutput}`);
    assert.match(result.log, /EXT oid=1\.3\.6\.1\.4\.1\.1466\.20037/, 'purser asked for StartTLS');
    assert.ok(tlsBindAs(result.log, SERVICE_ACCOUNT.dn), `the service account bound over TLS:\n${result.log}`);
    assert.ok(tlsBindAs(result.log, alice.dn), `alice bound over TLS:\n${result.log}`);
    assert.deepEqual(plainBinds(result.log), []);
  });

  test('ldaps:// with a CA that did not sign the certificate: refused, nothing bound', async () => {
    const result = await aliceThrough({ PURSER_LDAP_URL: slapd.ldapsUrl, PURSER_LDAP_CA: otherCa });
    assert.equal(result.status, 401, result.text);
    assert.equal(result.event.reason, 'directory_unavailable', result.purserOutput);
    assert.doesNotMatch(result.log, / BIND /, result.log);
  });

  test('StartTLS with a CA that did not sign the certificate: refused, and no plain-text fallback', async () => {
    const result = await aliceThrough({ PURSER_LDAP_STARTTLS: 'true', PURSER_LDAP_CA: otherCa });
    assert.equal(result.status, 401, result.text);
    assert.equal(result.event.reason, 'directory_unavailable', result.purserOutput);
    assert.doesNotMatch(result.log, / BIND /, result.log);
  });

  test('a URL that does not answer is passed over for the next one', async () => {
    const dead = await freePort();
    const result = await aliceThrough({ PURSER_LDAP_URL: `ldap://127.0.0.1:${dead},${slapd.url}` });
    assert.equal(result.status, 200, `${result.text}\n${result.purserOutput}`);
  });
});

describe('changes in the directory reach a running purser', () => {
  test('erin taken out of developers loses push to shared/ within the cache time', async () => {
    assert.deepEqual(await granted(purser, 'erin', erin.password, 'shared/app'), ['pull', 'push']);
    const before = await push(image('v4', 'erin, still a developer'), 'shared/erin', creds(erin));
    assert.equal(before.code, 0, describeResult(before));

    await slapd.modify(modifyLdif(groupDn('developers'), [{ op: 'delete', attribute: 'member', values: [erin.dn] }]));
    const took = await eventually('erin to lose push', async () => (await granted(purser, 'erin', erin.password, 'shared/app')).join() === 'pull');
    assert.ok(took < 10_000, `took ${took} ms with PURSER_AUTH_CACHE_TTL=2`);
    const after = await push(image('v5', 'erin, no longer a developer'), 'shared/erin', creds(erin));
    assert.notEqual(after.code, 0, describeResult(after));
    assert.match(after.stderr, DENIED, describeResult(after));
  });

  test("frank's refresh token stops when his account is deleted", async () => {
    const login = await getToken(purser, 'frank', frank.password, undefined, { offline_token: 'true', client_id: 'docker', account: 'frank' });
    assert.equal(login.status, 200, login.text);
    const refreshToken = login.body?.refresh_token;
    assert.equal(typeof refreshToken, 'string', login.text);
    const refresh = async (): Promise<{ status: number; text: string }> => {
      const response = await fetch(purser.realm, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: refreshToken as string,
          service: 'Docker registry',
          client_id: 'docker',
          scope: 'repository:shared/app:pull',
        }),
      });
      return { status: response.status, text: await response.text() };
    };
    const skip = auditLines(purser).length;
    const first = await refresh();
    assert.equal(first.status, 200, first.text);
    const event = await waitForAudit(purser, skip, (e) => e.grantType === 'refresh_token' && e.outcome === 'granted', 'a granted refresh');
    assert.equal(event.account, 'frank');
    assert.equal(event.source, 'ldap');

    await slapd.delete(frank.dn);
    await eventually("frank's refresh token to stop", async () => (await refresh()).status !== 200);
    const last = await refresh();
    assert.equal(last.status, 401, last.text);
    await waitForAudit(purser, skip, (e) => e.account === 'frank' && e.reason === 'refresh_token_revoked', 'refresh_token_revoked for frank');
    assert.equal((await getToken(purser, 'frank', frank.password)).status, 401);
  });
});

describe('the directory down', () => {
  const ELSEWHERE = '192.0.2.7';

  test('paused (accepts, never answers): directory users are refused within PURSER_LDAP_TIMEOUT; resumed, they log in', async () => {
    await sleep(2_500); // past PURSER_AUTH_CACHE_TTL: nothing remembered
    slapd.pause();
    try {
      const start = Date.now();
      const answer = await getToken(purser, 'carol', carol.password, 'repository:ops/tool:pull');
      const took = Date.now() - start;
      assert.equal(answer.status, 401, answer.text);
      assert.ok(took < 12_000, `purser took ${took} ms with PURSER_LDAP_TIMEOUT=2`);
      assert.equal((await getToken(purser, 'henry', LOCAL_USERS.henry, 'repository:shared/app:pull')).status, 200);
    } finally {
      slapd.resume();
    }
    await eventually('carol to log in again', async () => (await getToken(purser, 'carol', carol.password)).status === 200);
  });

  test('stopped: htpasswd users still pull, directory users are refused, /readyz stays 200; after a restart they log in again', async () => {
    await sleep(2_500);
    await slapd.stop();
    const skip = auditLines(purser).length;

    const henry = await inspect('shared/app', 'v1', `henry:${LOCAL_USERS.henry}`);
    assert.equal(henry.code, 0, describeResult(henry));
    const pulledDir = join(scratch, 'pulled-during-outage');
    const pulled = await skopeo(['copy', '--src-tls-verify=false', '--src-creds', `henry:${LOCAL_USERS.henry}`, remote('shared/app', 'v1'), `oci:${pulledDir}:v1`]);
    assert.equal(pulled.code, 0, describeResult(pulled));

    const skopeoAlice = await inspect('shared/app', 'v1', creds(alice));
    assert.notEqual(skopeoAlice.code, 0, describeResult(skopeoAlice));
    // More refusals than PURSER_THROTTLE_ACCOUNT_MAX, distinct guesses (one wrong password
    // repeated within a second is one attempt), from an address alice never logged in from (a
    // known-good one is let past the account lock): an outage is not the user's failure, so none
    // of them may lock alice out.
    for (let i = 0; i < 7; i++) {
      const answer = await getToken(purser, 'alice', `guess-${i}`, 'repository:shared/app:pull', {}, ELSEWHERE);
      assert.equal(answer.status, 401, answer.text);
    }
    const unavailable = await waitForAudit(purser, skip, (e) => e.account === 'alice' && e.reason === 'directory_unavailable', 'directory_unavailable for alice');
    await eventually('seven directory_unavailable refusals', async () =>
      auditLines(purser).slice(skip).filter((e) => e.account === 'alice' && e.reason === 'directory_unavailable').length >= 7,
    );
    assert.equal(unavailable.status, 401);
    const ready = await fetch(`${purser.url}/readyz`);
    assert.equal(ready.status, 200, await ready.text());
    assert.equal(await metric('purser_ldap_up'), 0);

    // Refused with her right password just before the directory is back...
    assert.equal((await getToken(purser, 'alice', alice.password)).status, 401);
    await slapd.restart();
    // ...and let in at once after: no purser restart, no lock from the throttle (the outage did not
    // count against her), the broken connection made again at this request, and no memory of the
    // refusal a moment ago (an outage refusal is not a failure to repeat).
    const again = await getToken(purser, 'alice', alice.password, undefined, {}, ELSEWHERE);
    assert.equal(again.status, 200, again.text);
    const here = await getToken(purser, 'alice', alice.password);
    assert.equal(here.status, 200, here.text);
    assert.equal(await metric('purser_ldap_up'), 1);
    assert.equal(digestOf(await inspect('shared/app', 'v1', creds(alice))), digestOf(henry));
    const pushed = await push(image('v6', 'after the outage'), 'shared/app', creds(alice));
    assert.equal(pushed.code, 0, describeResult(pushed));
  });
});
