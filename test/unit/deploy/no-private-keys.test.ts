import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deployFiles, REPO_ROOT } from './deploy-files.js';

test('no file under deploy/ holds private key material', () => {
  const files = deployFiles();
  assert.ok(files.length > 0);
  for (const file of files) {
    const text = readFileSync(join(REPO_ROOT, file), 'latin1');
    assert.doesNotMatch(text, /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/, `${file} holds a PEM private key`);
    // A PEM key pasted base64-encoded into a Secret's data: "-----BEGIN " encodes to LS0tLS1CRUdJTi.
    assert.doesNotMatch(text, /LS0tLS1CRUdJTi/, `${file} holds base64-encoded PEM data`);
  }
});
