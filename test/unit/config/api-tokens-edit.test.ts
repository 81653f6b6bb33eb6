import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashSecret } from '../../../src/authn/api-token-secret.js';
import { appendApiToken, removeApiToken, type NewApiToken } from '../../../src/config/api-tokens-edit.js';
import { parseApiTokens } from '../../../src/config/api-tokens-file.js';
import { parseYamlDocument } from '../../../src/config/yaml-document.js';

const CREATED = Date.UTC(2026, 11, 1, 21, 30) / 1000;
const entry = (id: string, extra: Partial<NewApiToken> = {}): NewApiToken => ({
  id,
  account: 'ci-bot',
  name: id,
  robot: true,
  hash: hashSecret(`purser_${id}`),
  scopes: undefined,
  groups: [],
  expires: undefined,
  created: CREATED,
  comment: undefined,
  ...extra,
});
const parse = (text: string) => parseApiTokens(parseYamlDocument(text, 'api-tokens.yml'));
const ids = (text: string) => parse(text).tokens?.entries.map((t) => t.id);
const removed = (text: string, ref: string): string => {
  const result = removeApiToken(text, 'api-tokens.yml', ref);
  assert.equal(result.kind, 'removed', `${ref}: ${result.kind}`);
  return result.kind === 'removed' ? result.text : '';
};

const FILE = `# tokens for the build farm
# (rotated every quarter)

- id: tok_first1
  account: ci-bot
  name: github-actions
  robot: true
  # the namespace the team publishes
  hash: ${hashSecret('purser_one')}
  scopes: ["repository:team/**:pull,push"]
  expires: 2027-03-01T00:00:00Z
  created: 2026-12-01T21:30:00Z

# alice's laptop, until she has SSO
- id: tok_second
  account: alice
  name: laptop
  hash: ${hashSecret('purser_two')}
  expires: never
  created: 2026-12-01T21:30:00Z
`;

describe('appending an API token', () => {
  test('writes every field, in the documented order, and reads back as written', () => {
    const text = appendApiToken('', entry('tok_3f9a1c0d2b7e', {
      name: 'github-actions',
      scopes: ['repository:team/**:pull,push', 'registry:catalog:*'],
      groups: ['ci', 'release team'],
      expires: Date.UTC(2027, 2, 1) / 1000,
      comment: "pushes the team's images",
    }));
    assert.equal(
      text,
      [
        '- id: tok_3f9a1c0d2b7e',
        '  account: ci-bot',
        '  name: github-actions',
        '  robot: true',
        `  hash: ${hashSecret('purser_tok_3f9a1c0d2b7e')}`,
        '  scopes: ["repository:team/**:pull,push", "registry:catalog:*"]',
        '  groups: [ci, release team]',
        '  expires: 2027-03-01T00:00:00Z',
        '  created: 2026-12-01T21:30:00Z',
        "  comment: pushes the team's images",
        '',
      ].join('\n'),
    );
    const token = parse(text).tokens?.byId('tok_3f9a1c0d2b7e');
    assert.deepEqual(token?.groups, ['ci', 'release team']);
    assert.equal(token?.expires, Date.UTC(2027, 2, 1) / 1000);
    assert.equal(token?.created, CREATED);
  });

  // Values YAML would read as something else, or not at all, if they were written plain.
  const awkward = ['yes', 'null', '123', '2027-01-01', 'a: b', '#hash', '- dash', '[flow]', 'x, y', ' padded ', "it's", 'say "hi"', 'tab\there', 'line\nbreak', 'nel\u0085', 'ünïcødé', '~', '*star', '&anchor', '!tag', '@at', '%pct', '{}', '|'];
  for (const value of awkward) {
    test(`a name, group or comment of ${JSON.stringify(value)} reads back as that string`, () => {
      const text = appendApiToken('', entry('tok_awkward', { name: value, groups: [value.trim() || 'x'], comment: value }));
      const { tokens, issues } = parse(text);
      assert.deepEqual(issues, [], text);
      const token = tokens?.byId('tok_awkward');
      assert.equal(token?.name, value);
      assert.equal(token?.comment, value);
      assert.deepEqual(token?.groups, [value.trim() || 'x']);
    });
  }

  test('keeps the comments and other entries byte for byte, and separates entries by a blank line', () => {
    const text = appendApiToken(FILE, entry('tok_third1'));
    assert.ok(text.startsWith(FILE), text);
    assert.match(text.slice(FILE.length), /^\n- id: tok_third1\n/);
    assert.deepEqual(ids(text), ['tok_first1', 'tok_second', 'tok_third1']);
  });

  test('follows the file: its indentation, its CRLF line ends, a missing final newline', () => {
    const indented = '  - id: tok_first1\n    account: a\n    name: n\n    hash: ' + hashSecret('x') + '\n    expires: never\n    created: 2026-12-01T00:00:00Z';
    assert.deepEqual(ids(appendApiToken(indented, entry('tok_other1'))), ['tok_first1', 'tok_other1']);
    const crlf = appendApiToken(FILE.replace(/\n/g, '\r\n'), entry('tok_third1'));
    assert.doesNotMatch(crlf, /(?:^|[^\r])\n/, 'no bare LF');
    assert.ok(crlf.endsWith('\r\n'));
    assert.deepEqual(ids(crlf), ['tok_first1', 'tok_second', 'tok_third1']);
  });

  test('an empty list written as [] gives way to the first entry; its comments stay', () => {
    const text = appendApiToken('# no tokens yet\n[]\n', entry('tok_first1'));
    assert.match(text, /^# no tokens yet\n\n- id: tok_first1\n/);
    assert.deepEqual(ids(text), ['tok_first1']);
  });
});

describe('removing an API token', () => {
  test('by id: its lines go, with the comment inside it; the header, the next entry and its comment stay', () => {
    const text = removed(FILE, 'tok_first1');
    assert.equal(text, FILE.slice(0, FILE.indexOf('- id: tok_first1')) + FILE.slice(FILE.indexOf("# alice's laptop")));
    assert.deepEqual(ids(text), ['tok_second']);
  });

  test('by ACCOUNT/NAME: the last entry goes, and no blank line is left dangling at the end', () => {
    const text = removed(FILE, 'alice/laptop');
    assert.deepEqual(ids(text), ['tok_first1']);
    assert.ok(text.endsWith('created: 2026-12-01T21:30:00Z\n\n# alice\'s laptop, until she has SSO\n'), JSON.stringify(text.slice(-80)));
  });

  test('create then revoke gives the file back as it was', () => {
    const added = appendApiToken(FILE, entry('tok_third1', { name: 'release', comment: 'for a while' }));
    assert.equal(removed(added, 'ci-bot/release'), FILE);
    const middle = appendApiToken(appendApiToken(FILE, entry('tok_third1')), entry('tok_fourth'));
    assert.equal(removed(middle, 'tok_third1'), appendApiToken(FILE, entry('tok_fourth')));
  });

  test('the only entry: what is left is the header, and no tokens', () => {
    const text = removed('# header\n\n' + appendApiToken('', entry('tok_only01')), 'tok_only01');
    assert.equal(text, '# header\n');
    assert.deepEqual(ids(text), []);
  });

  test('keeps CRLF line ends, and an entry whose "-" stands alone on its line goes whole', () => {
    assert.deepEqual(ids(removed(FILE.replace(/\n/g, '\r\n'), 'tok_first1')), ['tok_second']);
    const alone = FILE.replace('- id: tok_second', '-\n  id: tok_second');
    const text = removed(alone, 'tok_second');
    assert.deepEqual(ids(text), ['tok_first1']);
    assert.doesNotMatch(text, /^-\s*$/m);
  });

  test('an account or name that only looks like a reference does not match', () => {
    assert.equal(removeApiToken(FILE, 'f', 'tok_nope').kind, 'not-found');
    assert.equal(removeApiToken(FILE, 'f', 'alice').kind, 'not-found');
    assert.equal(removeApiToken(FILE, 'f', 'alice/lap').kind, 'not-found');
    assert.equal(removeApiToken(FILE, 'f', '/laptop').kind, 'not-found');
    assert.equal(removeApiToken('', 'f', 'tok_first1').kind, 'not-found');
  });

  test('from a file purser refuses (an unknown key, a duplicate id): one match is removed, two are ambiguous', () => {
    const broken = FILE.replace('  expires: never', '  expires: never\n  scope: [oops]');
    assert.equal(parse(broken).tokens, undefined);
    assert.match(removed(broken, 'tok_first1'), /scope: \[oops\]/);
    const twice = `${FILE}\n${FILE.slice(FILE.indexOf('- id: tok_first1'), FILE.indexOf('\n\n# alice'))}\n`;
    assert.deepEqual(removeApiToken(twice, 'f', 'tok_first1'), { kind: 'ambiguous', count: 2 });
  });
});
