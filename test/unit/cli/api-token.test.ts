import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashSecret } from '../../../src/authn/api-token-secret.js';
import { appendApiToken, type NewApiToken } from '../../../src/config/api-tokens-edit.js';
import { parseApiTokens } from '../../../src/config/api-tokens-file.js';
import { parseYamlDocument } from '../../../src/config/yaml-document.js';
import { basic, decodeJwt } from '../../helpers/app.js';
import { purser } from '../../helpers/cli.js';
import { startFileServer, type FileServer } from '../../helpers/server.js';

const ACL = `
groups:
  ci: [bob]
acl:
  - match: {labels: {group: ci}, name: "team/**"}
    actions: [pull, push]
    comment: CI robots publish team images
  - match: {account: "/.+/", name: "\${account}/**"}
    actions: [pull, push]
    comment: own namespace
  - match: {name: "public/**"}
    actions: [pull]
    comment: public pulls
`;
const NOW = () => Math.floor(Date.now() / 1000);
const DAY = 86_400;
const SECRET = /^(purser_[0-9A-Za-z]{49})\n$/;

/** An entry written by hand, for states `create` refuses to make (expired, a user who is gone). */
const handMade = (id: string, extra: Partial<NewApiToken> = {}): NewApiToken => ({
  id,
  account: 'ci-bot',
  name: id,
  robot: true,
  hash: hashSecret(`purser_${id}`),
  scopes: undefined,
  groups: [],
  expires: NOW() + 30 * DAY,
  created: NOW() - DAY,
  comment: undefined,
  ...extra,
});

describe('purser api-token', () => {
  let server: FileServer;
  before(async () => {
    server = await startFileServer({ acl: ACL });
  });
  after(() => server.stop());

  const cli = (...args: string[]) => purser(args, { cwd: server.dir });
  const tokensFile = () => join(server.dir, 'api-tokens.yml');
  const tokensText = () => readFileSync(tokensFile(), 'utf8');
  const parse = (text: string) => parseApiTokens(parseYamlDocument(text, 'api-tokens.yml'));

  /** GET /auth as a Docker client would; the access granted, or the status when refused. */
  async function login(account: string, secret: string, scope: string): Promise<{ status: number; access?: unknown }> {
    const res = await fetch(`${server.url}/auth?service=Docker%20registry&scope=${encodeURIComponent(scope)}`, { headers: { Authorization: basic(account, secret) } });
    if (res.status !== 200) return { status: res.status };
    return { status: 200, access: decodeJwt(String(((await res.json()) as { token: string }).token)).claims.access };
  }

  /** Polls until `check` holds: the server picks file edits up by itself (PURSER_RELOAD_INTERVAL=1). */
  async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 40; i++) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail(`not within 4 s: ${what}`);
  }

  async function create(...args: string[]): Promise<{ secret: string; stderr: string }> {
    const result = await cli('api-token', 'create', ...args);
    assert.equal(result.code, 0, result.stderr);
    const secret = SECRET.exec(result.stdout)?.[1];
    assert.ok(secret, `stdout is the secret alone: ${JSON.stringify(result.stdout)}`);
    return { secret, stderr: result.stderr };
  }

  test('create prints the secret once and a docker login line; the file keeps only its hash; the token logs in, capped', async () => {
    const { secret, stderr } = await create('--account', 'ci-bot', '--name', 'github-actions', '--group', 'ci', '--scope', 'repository:team/**:pull,push', '--registry', 'registry.example.com:5000');
    assert.match(stderr, /shown only this once/);
    assert.match(stderr, /^ {2}echo "\$TOKEN" \| docker login registry\.example\.com:5000 -u ci-bot --password-stdin$/m);
    assert.equal(stderr.includes(secret), false, 'the secret is printed once, on stdout');
    const text = tokensText();
    assert.equal(text.includes(secret), false);
    const [token] = parse(text).tokens?.entries ?? [];
    assert.equal(token?.hash, hashSecret(secret));
    assert.equal(token?.robot, true);
    assert.match(token?.id ?? '', /^tok_[0-9a-f]{12}$/);
    assert.deepEqual(token?.groups, ['ci']);
    assert.equal(statSync(tokensFile()).mode & 0o777, 0o600);

    await eventually('the server accepts the new token', async () => (await login('ci-bot', secret, 'repository:team/app:pull,push')).status === 200);
    assert.deepEqual((await login('ci-bot', secret, 'repository:team/app:pull,push')).access, [{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }]);
    // The ACL gives every account its own namespace; the token's scopes take it away.
    assert.deepEqual((await login('ci-bot', secret, 'repository:ci-bot/x:pull,push')).access, [{ type: 'repository', name: 'ci-bot/x', actions: [] }]);
    assert.equal((await login('ci-bot', `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`, 'repository:team/app:pull')).status, 401);
    assert.equal((await login('alice', secret, 'repository:team/app:pull')).status, 401);
  });

  test("a name the account already has, and a scope pattern that does not parse, are refused with the parser's message; nothing is written", async () => {
    const before = tokensText();
    const duplicate = await cli('api-token', 'create', '--account', 'ci-bot', '--name', 'github-actions');
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /api-tokens\.yml:\d+: \[1\]\.name: account "ci-bot" already has a token with this name/);
    const badScope = await cli('api-token', 'create', '--account', 'ci-bot', '--name', 'other', '--scope', 'repository:team/**');
    assert.equal(badScope.code, 1);
    assert.match(badScope.stderr, /\[1\]\.scopes: "repository:team\/\*\*" is not type:name:actions/);
    assert.equal(duplicate.stdout + badScope.stdout, '', 'no secret for a token that was not made');
    assert.equal(tokensText(), before);
  });

  test('--expires takes durations, dates, RFC 3339 times and never; the default is 90 days', async () => {
    const cases: Array<[string[], (created: number) => number | undefined]> = [
      [[], (created) => created + 90 * DAY],
      [['--expires', '12h'], (created) => created + 12 * 3600],
      [['--expires', '2099-03-01'], () => Date.UTC(2099, 2, 1) / 1000],
      [['--expires', '2099-03-01T12:00:00+02:00'], () => Date.UTC(2099, 2, 1, 10) / 1000],
      [['--expires', 'never'], () => undefined],
    ];
    for (const [i, [args]] of cases.entries()) {
      await create('--file', 'expiry.yml', '--account', 'ci-bot', '--name', `n${i}`, ...args);
    }
    const entries = parse(readFileSync(join(server.dir, 'expiry.yml'), 'utf8')).tokens?.entries ?? [];
    assert.equal(entries.length, cases.length);
    entries.forEach((entry, i) => assert.equal(entry.expires, cases[i]?.[1](entry.created), `case ${i}`));
    assert.match(readFileSync(join(server.dir, 'expiry.yml'), 'utf8'), /^ {2}expires: 2099-03-01T10:00:00Z$/m);
    for (const bad of ['90', '2099-02-30', '2020-01-01', 'soon']) {
      const result = await cli('api-token', 'create', '--file', 'expiry.yml', '--account', 'ci-bot', '--name', 'bad', '--expires', bad);
      assert.equal(result.code, 2, bad);
      assert.match(result.stderr, /--expires: .*(is not an expiry|is not in the future)/, bad);
    }
  });

  test('a user of users.htpasswd gets a personal token, which refuses --group; malformed accounts are refused', async () => {
    const { secret } = await create('--file', 'personal.yml', '--account', 'alice', '--name', 'laptop', '--expires', '7d');
    const text = readFileSync(join(server.dir, 'personal.yml'), 'utf8');
    assert.doesNotMatch(text, /robot:/);
    assert.equal(parse(text).tokens?.entries[0]?.hash, hashSecret(secret));
    const grouped = await cli('api-token', 'create', '--file', 'personal.yml', '--account', 'alice', '--name', 'other', '--group', 'ci');
    assert.equal(grouped.code, 2);
    assert.match(grouped.stderr, /personal tokens carry their user's groups/);
    for (const account of ['ci bot', 'ci:bot', 'team/bot', 'ci\tbot', '']) {
      const result = await cli('api-token', 'create', '--file', 'personal.yml', '--account', account, '--name', 'x');
      assert.equal(result.code, 2, JSON.stringify(account));
    }
    assert.equal(readFileSync(join(server.dir, 'personal.yml'), 'utf8'), text);
  });

  test("create keeps the file's comments, other entries and mode", async () => {
    const file = join(server.dir, 'kept.yml');
    const original = `# hand-kept notes\n${appendApiToken('', handMade('tok_kept01', { comment: 'kept' }))}# trailing note\n`;
    writeFileSync(file, original);
    chmodSync(file, 0o640);
    await create('--file', 'kept.yml', '--account', 'ci-bot', '--name', 'new');
    const text = readFileSync(file, 'utf8');
    assert.ok(text.startsWith(original), text);
    assert.deepEqual(parse(text).tokens?.entries.map((t) => t.name), ['tok_kept01', 'new']);
    assert.equal(statSync(file).mode & 0o777, 0o640);
  });

  test('list shows id, account, name, kind, scopes, dates and status, never a hash', async () => {
    const file = join(server.dir, 'listed.yml');
    let text = '';
    text = appendApiToken(text, handMade('tok_fine01', { name: 'fine', scopes: ['repository:team/**:pull,push'] }));
    text = appendApiToken(text, handMade('tok_soon01', { name: 'soon', expires: NOW() + 3 * DAY - 60 }));
    text = appendApiToken(text, handMade('tok_gone01', { name: 'gone', expires: NOW() - 60 }));
    text = appendApiToken(text, handMade('tok_mine01', { account: 'alice', name: 'laptop', robot: false, expires: undefined }));
    writeFileSync(file, text);
    const table = await cli('api-token', 'list', '--file', 'listed.yml');
    assert.equal(table.code, 0, table.stderr);
    const rows = table.stdout.trimEnd().split('\n');
    assert.match(rows[0] ?? '', /^ID +ACCOUNT +NAME +KIND +SCOPES +CREATED +EXPIRES +STATUS$/);
    assert.match(rows[1] ?? '', /^tok_fine01 +ci-bot +fine +robot +repository:team\/\*\*:pull,push +\d{4}-\d\d-\d\dT[\d:]+Z +\d{4}-[\d-]+T[\d:]+Z +ok$/);
    assert.match(rows[2] ?? '', /^tok_soon01 .* expires in 3 day\(s\)$/);
    assert.match(rows[3] ?? '', /^tok_gone01 .* expired$/);
    assert.match(rows[4] ?? '', /^tok_mine01 +alice +laptop +personal +\(ACL only\) +\S+ +never +ok$/);

    const json = await cli('api-token', 'list', '--file', 'listed.yml', '--json', '--account', 'ci-bot');
    const listed = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(listed.map((t) => [t.id, t.expired, t.status]), [['tok_fine01', false, 'ok'], ['tok_soon01', false, 'expires in 3 day(s)'], ['tok_gone01', true, 'expired']]);
    assert.deepEqual(listed[0]?.scopes, ['repository:team/**:pull,push']);
    for (const out of [table.stdout, json.stdout]) assert.doesNotMatch(out, /sha256|hash/);
  });

  test('revoke by ACCOUNT/NAME and by id; the running server refuses the token, and refresh tokens made from it, within its reload interval', async () => {
    const { secret } = await create('--account', 'ci-bot', '--name', 'release', '--scope', 'repository:team/**:pull');
    await eventually('the server accepts the token', async () => (await login('ci-bot', secret, 'repository:team/app:pull')).status === 200);
    const offline = await fetch(`${server.url}/auth?service=Docker%20registry&offline_token=true&client_id=test`, { headers: { Authorization: basic('ci-bot', secret) } });
    const refresh = String(((await offline.json()) as { refresh_token?: string }).refresh_token);
    const exchange = () =>
      fetch(`${server.url}/auth`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh, service: 'Docker registry', scope: 'repository:team/app:pull' }).toString(),
      });
    assert.equal((await exchange()).status, 200);

    // The command reads PURSER_RELOAD_INTERVAL as the server does, to say how soon the server notices.
    const revoked = await purser(['api-token', 'revoke', 'ci-bot/release'], { cwd: server.dir, env: { PURSER_RELOAD_INTERVAL: '1' } });
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /^revoked tok_[0-9a-f]{12} \(ci-bot\/release\) from .*api-tokens\.yml$/m);
    assert.match(revoked.stdout, /within 1 s \(PURSER_RELOAD_INTERVAL\), with no restart; refresh tokens made from it .* stop working then too/);
    assert.doesNotMatch(tokensText(), /name: release/);
    assert.match(tokensText(), /name: github-actions/);
    await eventually('the server refuses the revoked token', async () => (await login('ci-bot', secret, 'repository:team/app:pull')).status === 401);
    assert.equal((await exchange()).status, 401);

    const [first] = parse(tokensText()).tokens?.entries ?? [];
    assert.equal((await cli('api-token', 'revoke', first?.id ?? '')).code, 0);
    assert.equal(parse(tokensText()).tokens?.entries.length, 0);
    const unknown = await cli('api-token', 'revoke', first?.id ?? '');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no API token tok_\w+ in /);
    assert.equal((await cli('api-token', 'revoke')).code, 2);
  });
});

describe('purser acl explain --api-token', () => {
  let server: FileServer;
  let secret: string;
  before(async () => {
    server = await startFileServer({ acl: ACL });
    const made = await purser(['api-token', 'create', '--account', 'ci-bot', '--name', 'gha', '--group', 'ci', '--scope', 'repository:team/**:pull', '--scope', 'repository:public/**:*'], { cwd: server.dir });
    assert.equal(made.code, 0, made.stderr);
    secret = made.stdout.trim();
    let text = readFileSync(join(server.dir, 'api-tokens.yml'), 'utf8');
    text = appendApiToken(text, handMade('tok_old001', { name: 'old', expires: NOW() - 60 }));
    text = appendApiToken(text, handMade('tok_carol1', { account: 'carol', name: 'laptop', robot: false }));
    text = appendApiToken(text, handMade('tok_bob001', { account: 'bob', name: 'laptop', robot: false, scopes: ['repository:team/**:pull,push'] }));
    writeFileSync(join(server.dir, 'api-tokens.yml'), text);
  });
  after(() => server.stop());
  const explain = (...args: string[]) => purser(['acl', 'explain', ...args], { cwd: server.dir });

  test('names the rule that decided and the cap that took actions away; exit 1 when something asked for is denied', async () => {
    const granted = await explain('--api-token', 'ci-bot/gha', 'repository:team/app:pull');
    assert.equal(granted.code, 0, granted.stdout + granted.stderr);
    assert.match(granted.stdout, /^API token tok_\w+ \(ci-bot\/gha\), robot: account "ci-bot" \(groups: ci\)/);
    assert.match(granted.stdout, /^capped to: repository:team\/\*\*:pull repository:public\/\*\*:\*$/m);

    const capped = await explain('--api-token', 'ci-bot/gha', 'repository:team/app:pull,push', 'repository:ci-bot/x:push');
    assert.equal(capped.code, 1);
    assert.match(capped.stdout, /repository:team\/app:pull,push\n {2}granted: pull; denied: push\n {2}rule: +acl\[0\] "CI robots publish team images": labels\.group "ci", name "team\/\*\*" → \[pull, push\]\n {2}cap: +took away push \(the token's scopes that match: repository:team\/\*\*:pull\)/);
    assert.match(capped.stdout, /repository:ci-bot\/x:push\n {2}granted: nothing \(asked: push\)\n {2}rule: +acl\[1\] "own namespace".*\n {2}cap: +took away push \(none of the token's scopes matches\)/);
  });

  test('decides exactly as the server does for the same token', async () => {
    const scopes = ['repository:team/app:pull,push', 'repository:ci-bot/x:pull', 'repository:public/a:pull,push', 'repository:bob/x:pull'];
    const json = await explain('--api-token', 'ci-bot/gha', '--json', ...scopes);
    const out = JSON.parse(json.stdout) as { decisions: Array<{ scope: string; granted: string[]; aclGranted: string[]; cap: { tookAway: string[] } | null }> };
    assert.deepEqual(out.decisions.map((d) => [d.scope, d.granted, d.aclGranted, d.cap?.tookAway ?? null]), [
      ['repository:team/app:pull,push', ['pull'], ['pull', 'push'], ['push']],
      ['repository:ci-bot/x:pull', [], ['pull'], ['pull']],
      ['repository:public/a:pull,push', ['pull'], ['pull'], []],
      ['repository:bob/x:pull', [], [], null],
    ]);
    const url = `${server.url}/auth?service=Docker%20registry&${scopes.map((s) => `scope=${encodeURIComponent(s)}`).join('&')}`;
    let access: Array<{ name: string; actions: string[] }> = [];
    for (let i = 0; i < 40; i++) {
      const res = await fetch(url, { headers: { Authorization: basic('ci-bot', secret) } });
      if (res.status === 200) {
        access = decodeJwt(String(((await res.json()) as { token: string }).token)).claims.access as typeof access;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const byServer = Object.fromEntries(access.map((a) => [`repository:${a.name}`, a.actions]));
    for (const decision of out.decisions) {
      const name = decision.scope.replace(/:[^:]*$/, '');
      assert.deepEqual(byServer[name] ?? [], decision.granted, name);
    }
  });

  test("a personal token has its user's acl.yml groups; its cap still applies", async () => {
    const result = await explain('--api-token', 'bob/laptop', 'repository:team/app:push', 'repository:bob/x:push');
    assert.equal(result.code, 1);
    assert.match(result.stdout, /personal token of user "bob": account "bob" \(groups: ci\)/);
    assert.match(result.stdout, /repository:team\/app:push\n {2}granted: push\n {2}rule: +acl\[0\]/);
    assert.match(result.stdout, /repository:bob\/x:push\n {2}granted: nothing.*\n.*acl\[1\] "own namespace".*\n {2}cap: +took away push/);
  });

  test('a token the server refuses is shown as what it would get, under REFUSED, with exit 1', async () => {
    const old = await explain('--api-token', 'tok_old001', 'repository:ci-bot/x:pull');
    assert.equal(old.code, 1);
    assert.match(old.stdout, /^REFUSED: expired on \d{4}-[\d-]+T[\d:]+Z\. purser refuses this token, so it gets nothing/m);
    assert.match(old.stdout, /granted: pull/);
    const gone = await explain('--api-token', 'carol/laptop', '--json', 'repository:carol/x:pull');
    assert.equal(gone.code, 1);
    assert.match((JSON.parse(gone.stdout) as { token: { refused: string } }).token.refused, /its user carol is no longer in .*users\.htpasswd/);
  });

  test('--api-token with --account or --group is bad usage; an unknown token is an error', async () => {
    assert.equal((await explain('--api-token', 'ci-bot/gha', '--account', 'ci-bot', 'repository:team/a:pull')).code, 2);
    assert.equal((await explain('--api-token', 'ci-bot/gha', '--group', 'admins', 'repository:team/a:pull')).code, 2);
    const unknown = await explain('--api-token', 'tok_nope00', 'repository:team/a:pull');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no API token tok_nope00/);
  });
});
