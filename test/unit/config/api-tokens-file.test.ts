import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashSecret } from '../../../src/authn/api-token-secret.js';
import { parseApiTokens } from '../../../src/config/api-tokens-file.js';
import { parseYamlDocument } from '../../../src/config/yaml-document.js';

const HASH = hashSecret('purser_example');
const OTHER = hashSecret('purser_other');
const parse = (text: string) => parseApiTokens(parseYamlDocument(text, 'api-tokens.yml'));

describe('the API tokens file', () => {
  test('an empty or missing file is no tokens', () => {
    assert.equal(parse('').tokens?.entries.length, 0);
    assert.equal(parse('[]').tokens?.entries.length, 0);
  });

  test('a robot and a personal token, with every field', () => {
    const { tokens, issues } = parse(`
- id: tok_ci0001
  account: ci-bot
  name: github-actions
  robot: true
  hash: ${HASH}
  scopes: ["repository:team/**:pull,push"]
  groups: [ci]
  expires: 2027-03-01T00:00:00Z
  created: 2026-12-01T09:30:00+01:00
  comment: pushes the team's images
- id: tok_alice1
  account: alice
  name: laptop
  hash: ${OTHER}
  expires: never
  created: "2026-12-01T08:30:00Z"
`);
    assert.deepEqual(issues, []);
    const [robot, personal] = tokens?.entries ?? [];
    assert.equal(robot?.robot, true);
    assert.deepEqual(robot?.groups, ['ci']);
    assert.equal(robot?.expires, Date.UTC(2027, 2, 1) / 1000);
    assert.equal(robot?.created, Date.UTC(2026, 11, 1, 8, 30) / 1000);
    assert.equal(robot?.line, 2);
    assert.equal(personal?.robot, false);
    assert.equal(personal?.expires, undefined);
    assert.equal(personal?.cap, undefined);
    assert.equal(tokens?.byHash(HASH)?.id, 'tok_ci0001');
    assert.equal(tokens?.byId('tok_alice1')?.name, 'laptop');
  });

  const base = (extra: string, hash = HASH) => `- id: tok_000001\n  account: bot\n  name: n\n  robot: true\n  hash: ${hash}\n  created: 2026-12-01T00:00:00Z\n  expires: never\n${extra}`;
  const bad: Array<[string, string, RegExp]> = [
    ['an unknown key (a misspelt scopes would lift the cap)', base('  scope: ["repository:x:pull"]\n'), /\[0\]\.scope: unknown key/],
    ['a scope pattern that does not parse', base('  scopes: ["repository:x"]\n'), /\[0\]\.scopes: .*type:name:actions/],
    ['an empty scopes list', base('  scopes: []\n'), /\[0\]\.scopes: must list at least one/],
    ['a hash that is not SHA-256 hex', base('', 'md5:abc'), /\[0\]\.hash: must be sha256:/],
    ['an expiry that is not RFC 3339', base('').replace('expires: never', 'expires: 90d'), /\[0\]\.expires: must be an RFC 3339 time/],
    ['groups on a personal token', base('  groups: [x]\n').replace('  robot: true\n', ''), /\[0\]\.groups: only a robot/],
    ['a "/" in the account', base('').replace('account: bot', 'account: team/bot'), /\[0\]\.account: cannot contain/],
    ['a missing created', base('').replace('  created: 2026-12-01T00:00:00Z\n', ''), /\[0\]\.created: is required/],
    ['not a list', 'id: x', /must be a list of API tokens/],
  ];
  for (const [what, text, message] of bad) {
    test(`refuses ${what}, naming the file, entry and field`, () => {
      const { tokens, issues } = parse(text);
      assert.equal(tokens, undefined);
      assert.ok(issues.some((i) => i.file === 'api-tokens.yml' && message.test(`${i.path}: ${i.message}`)), JSON.stringify(issues));
    });
  }

  test('refuses two entries with one id, one secret, or one name for an account', () => {
    const one = base('');
    const { issues } = parse(`${one}${one.replace('- id: tok_000001', '- id: tok_000002')}${one.replace(HASH, OTHER)}`);
    const text = issues.map((i) => `${i.path}: ${i.message} (line ${i.line})`).join('\n');
    assert.match(text, /\[1\]\.hash: the same secret as entry \[0\]/);
    assert.match(text, /\[2\]\.id: the same id as entry \[0\]/);
    assert.match(text, /\[1\]\.name: account "bot" already has a token with this name/);
    assert.match(text, /line \d+/);
  });
});
