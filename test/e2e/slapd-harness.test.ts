/**
 * The slapd harness on its own, with OpenLDAP's own clients: the example directory loads, the
 * service account sees users with their memberOf and the groups, users bind as themselves,
 * anonymous clients see nothing, ldaps:// and StartTLS verify against the CA from
 * `purser certs tls` (and fail against another CA), and a restart keeps the data and the ports.
 * The LDAP tests through purser (ldap.test.ts) stand on all of this.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIRECTORY_USERS, GROUPS_DN, SERVICE_ACCOUNT, exampleDirectory, groupDn } from './harness/example-directory.js';
import { ldapTool } from './harness/ldap-tool.js';
import { modifyLdif, toLdif } from './harness/ldif.js';
import { makeTempDir } from './harness/make-temp-dir.js';
import { describeResult, type CommandResult } from './harness/run-command.js';
import { startSlapd, type RunningSlapd } from './harness/start-slapd.js';
import { makeTlsFiles, type TlsFiles } from './harness/tls-files.js';

const { alice, carol, erin, frank, gina } = DIRECTORY_USERS;
const AS_SERVICE = ['-D', SERVICE_ACCOUNT.dn, '-w', SERVICE_ACCOUNT.password];

/** The values of `attribute` in ldapsearch -LLL output (one line per value; no folding at these lengths). */
function values(result: CommandResult, attribute: string): string[] {
  assert.equal(result.code, 0, describeResult(result));
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith(`${attribute}: `))
    .map((line) => line.slice(attribute.length + 2))
    .sort();
}

describe('the slapd harness', () => {
  let slapd: RunningSlapd;
  let otherCa: TlsFiles;
  before(async () => {
    slapd = await startSlapd({ ldif: toLdif(exampleDirectory()) });
    otherCa = await makeTlsFiles(makeTempDir('other-ca'));
  });
  after(async () => {
    await slapd?.stop();
  });

  test('the service account finds users with their memberOf, kept by the memberof overlay', async () => {
    const one = (uid: string) => slapd.search([...AS_SERVICE, '-b', slapd.baseDn, `(uid=${uid})`, 'memberOf']);
    assert.deepEqual(values(await one('alice'), 'memberOf'), [groupDn('developers')]);
    assert.deepEqual(values(await one('carol'), 'memberOf'), [groupDn('developers'), groupDn('ops')]);
    assert.deepEqual(values(await one('bob'), 'dn'), [DIRECTORY_USERS.bob.dn]);
    assert.deepEqual(values(await one('bob'), 'memberOf'), []);
  });

  test('the service account searches groups by member DN, escaped, and by memberUid', async () => {
    const groups = (filter: string) => slapd.search([...AS_SERVICE, '-b', GROUPS_DN, filter, 'cn']);
    assert.deepEqual(values(await groups(`(member=${carol.dn})`), 'cn'), ['developers', 'ops']);
    assert.deepEqual(values(await groups('(memberUid=alice)'), 'cn'), ['builders']);
    // gina's DN, cn=Gina (QA)*,..., only matches with its parentheses and star escaped (RFC 4515).
    const escaped = gina.dn.replace(/[()*\\]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
    assert.deepEqual(values(await groups(`(member=${escaped})`), 'cn'), ['qa']);
  });

  test('passwords are never read, users bind as themselves, anonymous clients see nothing', async () => {
    const entry = await slapd.search([...AS_SERVICE, '-b', alice.dn, '-s', 'base', '(objectClass=*)', '*']);
    assert.deepEqual(values(entry, 'uid'), ['alice']);
    assert.deepEqual(values(entry, 'userPassword'), []);

    const whoami = await ldapTool('ldapwhoami', ['-x', '-H', slapd.url, '-D', alice.dn, '-w', alice.password]);
    assert.equal(whoami.code, 0, describeResult(whoami));
    assert.equal(whoami.stdout.trim(), `dn:${alice.dn}`);
    const wrong = await ldapTool('ldapwhoami', ['-x', '-H', slapd.url, '-D', alice.dn, '-w', 'not-her-password']);
    assert.equal(wrong.code, 49, describeResult(wrong)); // invalidCredentials
    // A DN with an empty password is an unauthenticated bind (RFC 4513 5.1.2): slapd refuses it.
    const empty = await ldapTool('ldapwhoami', ['-x', '-H', slapd.url, '-D', alice.dn, '-w', '']);
    assert.equal(empty.code, 53, describeResult(empty)); // unwillingToPerform
    assert.match(slapd.output(), /unauthenticated bind \(DN with no password\) disallowed/);

    const anonymous = await slapd.search(['-b', slapd.baseDn, '(uid=alice)', 'dn']);
    assert.equal(anonymous.code, 32, describeResult(anonymous)); // noSuchObject: not even the base is visible
    const asAlice = await slapd.search(['-D', alice.dn, '-w', alice.password, '-b', slapd.baseDn, '(uid=carol)', 'dn']);
    assert.notEqual(asAlice.code, 0, 'alice must not see carol');
  });

  test('ldaps:// and StartTLS verify slapd against the CA from purser certs tls, and fail against another CA', async () => {
    const search = ['-x', '-LLL', ...AS_SERVICE, '-b', slapd.baseDn, '(uid=alice)', 'dn'];
    const ldaps = await ldapTool('ldapsearch', ['-H', slapd.ldapsUrl, ...search], { caFile: slapd.caFile });
    assert.deepEqual(values(ldaps, 'dn'), [alice.dn]);
    const startTls = await ldapTool('ldapsearch', ['-ZZ', '-H', slapd.url, ...search], { caFile: slapd.caFile });
    assert.deepEqual(values(startTls, 'dn'), [alice.dn]);
    assert.match(slapd.output(), /EXT oid=1\.3\.6\.1\.4\.1\.1466\.20037/, 'the StartTLS extended operation reached slapd');
    assert.match(slapd.output(), new RegExp(`BIND dn="${SERVICE_ACCOUNT.dn}" mech=SIMPLE bind_ssf=0 ssf=(?!0\\b)\\d+`), 'a bind over TLS');

    const ldapsOther = await ldapTool('ldapsearch', ['-H', slapd.ldapsUrl, ...search], { caFile: otherCa.caFile });
    assert.notEqual(ldapsOther.code, 0, describeResult(ldapsOther));
    const startTlsOther = await ldapTool('ldapsearch', ['-ZZ', '-H', slapd.url, ...search], { caFile: otherCa.caFile });
    assert.notEqual(startTlsOther.code, 0, describeResult(startTlsOther));
  });

  test('changes as the rootdn: a member removed loses memberOf, a user deleted leaves its groups (refint)', async () => {
    await slapd.modify(modifyLdif(groupDn('developers'), [{ op: 'delete', attribute: 'member', values: [erin.dn] }]));
    const erinEntry = await slapd.search([...AS_SERVICE, '-b', slapd.baseDn, '(uid=erin)', 'memberOf']);
    assert.deepEqual(values(erinEntry, 'dn'), [erin.dn]);
    assert.deepEqual(values(erinEntry, 'memberOf'), []);

    await slapd.delete(frank.dn);
    assert.deepEqual(values(await slapd.search([...AS_SERVICE, '-b', slapd.baseDn, '(uid=frank)', 'dn']), 'dn'), []);
    const members = values(await slapd.search([...AS_SERVICE, '-b', groupDn('developers'), '-s', 'base', '(objectClass=*)', 'member']), 'member');
    assert.ok(!members.includes(frank.dn), members.join('\n'));
    assert.ok(members.includes(alice.dn), members.join('\n'));
  });

  test('a paused slapd accepts connections and never answers; resumed, it answers again', async () => {
    slapd.pause();
    try {
      const hung = await ldapTool('ldapwhoami', ['-x', '-H', slapd.url], { timeoutMs: 1_500 });
      assert.equal(hung.code, -1, describeResult(hung));
    } finally {
      slapd.resume();
    }
    assert.equal((await ldapTool('ldapwhoami', ['-x', '-H', slapd.url])).code, 0);
  });

  test('restart: refused while stopped, then the same ports and the same data', async () => {
    await slapd.stop();
    const down = await ldapTool('ldapwhoami', ['-x', '-H', slapd.url]);
    assert.equal(down.code, 255, describeResult(down)); // Can't contact LDAP server
    await slapd.restart();
    const carolEntry = await slapd.search([...AS_SERVICE, '-b', slapd.baseDn, '(uid=carol)', 'memberOf']);
    assert.deepEqual(values(carolEntry, 'memberOf'), [groupDn('developers'), groupDn('ops')]);
    const ldaps = await ldapTool('ldapwhoami', ['-x', '-H', slapd.ldapsUrl, '-D', alice.dn, '-w', alice.password], { caFile: slapd.caFile });
    assert.equal(ldaps.code, 0, describeResult(ldaps));
    // What was changed before the restart is still changed.
    assert.deepEqual(values(await slapd.search([...AS_SERVICE, '-b', slapd.baseDn, '(uid=frank)', 'dn']), 'dn'), []);
    assert.equal(slapd.output().match(/slapd starting/g)?.length, 2, 'the output covers both runs');
  });
});

describe('the slapd harness, anonymous search allowed', () => {
  let slapd: RunningSlapd;
  before(async () => {
    slapd = await startSlapd({ ldif: toLdif(exampleDirectory()), anonymousSearch: true });
  });
  after(async () => {
    await slapd?.stop();
  });

  test('anonymous clients find users and groups, never passwords', async () => {
    const entry = await slapd.search(['-b', slapd.baseDn, '(uid=alice)', 'memberOf', 'userPassword']);
    assert.deepEqual(values(entry, 'memberOf'), [groupDn('developers')]);
    assert.deepEqual(values(entry, 'userPassword'), []);
  });
});
