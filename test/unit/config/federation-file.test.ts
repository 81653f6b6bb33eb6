import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseFederation } from '../../../src/config/federation-file.js';
import { parseYamlDocument } from '../../../src/config/yaml-document.js';

const parse = (text: string) => parseFederation(parseYamlDocument(text, 'federation.yml'));
const GOOD = `- name: github
  issuer: https://token.actions.githubusercontent.com
  audience: registry.example.com
  claims:
    repository_owner_id: "1234567"
  account: "github:\${claims:repository}"
  labels: {repository: "\${claims:repository}"}
  max_lifetime: 1h
`;

describe('the federation file', () => {
  test("a missing file trusts nobody; the issue's example loads", () => {
    assert.deepEqual(parse('').issuers, []);
    const { issuers, issues } = parse(GOOD);
    assert.deepEqual(issues, []);
    assert.equal(issuers?.[0]?.name, 'github');
    assert.equal(issuers?.[0]?.maxLifetime, 3600);
    assert.equal(issuers?.[0]?.maxTokenAge, 3600);
    assert.equal(issuers?.[0]?.jwksUri, undefined);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['no audience', GOOD.replace('  audience: registry.example.com\n', ''), /\[0\]\.audience: is required/],
    ['an http issuer elsewhere than this machine', GOOD.replace('https://token', 'http://token'), /\[0\]\.issuer: must be an https:\/\/ URL/],
    ['a misspelt key', GOOD.replace('  claims:', '  claim:'), /\[0\]\.claim: unknown key/],
    ['an account without a claim', GOOD.replace('"github:${claims:repository}"', 'github'), /\[0\]\.account: must use at least one/],
    ['an unknown placeholder', GOOD.replace('${claims:repository}"\n  labels', '${repository}"\n  labels'), /\[0\]\.account: unknown placeholder/],
    ['a boolean condition', GOOD.replace('repository_owner_id: "1234567"', 'ref_protected: true'), /\[0\]\.claims: .*quote numbers and booleans/],
    ['a bad regex condition', GOOD.replace('"1234567"', '"/([a-z/"'), /\[0\]\.claims: /],
    ['a max_lifetime too long', GOOD.replace('max_lifetime: 1h', 'max_lifetime: 90d'), /\[0\]\.max_lifetime: must be a duration/],
    ['two entries with one name', `${GOOD}${GOOD}`, /\[1\]\.name: entry \[0\] has this name already/],
    ['a name that is not a user name', GOOD.replace('name: github', 'name: "git hub"'), /\[0\]\.name: must be letters/],
  ];
  for (const [what, text, message] of bad) {
    test(`refuses ${what}, naming the file, entry and field`, () => {
      const { issuers, issues } = parse(text);
      assert.equal(issuers, undefined);
      assert.ok(issues.some((i) => i.file === 'federation.yml' && i.line !== undefined && message.test(`${i.path}: ${i.message}`)), JSON.stringify(issues));
    });
  }

  test('http:// is fine for an issuer on this machine', () => {
    assert.deepEqual(parse(GOOD.replace('https://token.actions.githubusercontent.com', 'http://127.0.0.1:8080')).issues, []);
  });
});
