import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidRequestError } from '../../../src/errors.js';
import { parseBasicCredentials } from '../../../src/http/basic-credentials.js';
import { MAX_PARAMS, parseParams } from '../../../src/http/params.js';

const spec = { single: ['service', 'account'], multi: ['scope'], raw: ['password'] };

describe('strict parameters', () => {
  test('decodes, keeps repeats of multi-valued ones and ignores unknown ones', () => {
    const params = parseParams('service=Docker+registry&scope=repository%3Aa%3Apull&scope=registry:catalog:*&unknown=1&account=', spec);
    assert.deepEqual([...params.entries()], [
      ['service', ['Docker registry']],
      ['scope', ['repository:a:pull', 'registry:catalog:*']],
      ['account', ['']],
    ]);
  });

  const bad: Array<[string, RegExp]> = [
    ['service=a&service=b', /service must appear only once/],
    ['service=%E0%A4%A', /not valid percent-encoded UTF-8/],
    ['service=%ff', /not valid percent-encoded UTF-8/],
    ['scope=repository:a:pull%00', /control character/],
    ['service=a%0Ab', /control character/],
    [`service=${'x'.repeat(9000)}`, /too long/],
    [Array.from({ length: MAX_PARAMS + 1 }, (_, i) => `x${i}=1`).join('&'), /too many parameters/],
  ];
  for (const [query, message] of bad) {
    test(`refuses ${query.slice(0, 30)} with a 400`, () => {
      assert.throws(() => parseParams(query, spec), (err: unknown) => err instanceof InvalidRequestError && err.status === 400 && message.test(err.message));
    });
  }

  test('a raw parameter may hold control characters but not NUL', () => {
    assert.equal(parseParams('password=a%09b', { single: ['password'], multi: [], raw: ['password'] }).get('password')?.[0], 'a\tb');
    assert.throws(() => parseParams('password=a%00b', { single: ['password'], multi: [], raw: ['password'] }), /control character/);
  });
});

describe('HTTP Basic credentials', () => {
  const encode = (text: string): string => `Basic ${Buffer.from(text).toString('base64')}`;

  test('no header is anonymous', () => assert.equal(parseBasicCredentials(undefined), undefined));

  test('reads user and password; the password may contain colons and never prints', () => {
    const creds = parseBasicCredentials(encode('alice:pa:ss'));
    assert.equal(creds?.username, 'alice');
    assert.equal(creds?.password.reveal(), 'pa:ss');
    assert.equal(String(creds?.password), '***');
    assert.equal(JSON.stringify(creds), '{"username":"alice","password":"***"}');
  });

  test('the scheme is case-insensitive and padding may be left off', () => {
    assert.equal(parseBasicCredentials(`basic ${Buffer.from('ab:cd').toString('base64').replace(/=+$/, '')}`)?.username, 'ab');
    assert.equal(parseBasicCredentials(`BASIC   ${Buffer.from('ü:x').toString('base64')}`)?.username, 'ü');
  });

  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['Basic', /not valid base64/],
    ['Basic ', /not valid base64/],
    ['Basic !!!!', /not valid base64/],
    ['Basic a', /not valid base64/],
    [encode('nocolon'), /no colon/],
    [encode(':password'), /empty user name/],
    [`Basic ${Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64')}`, /not valid UTF-8/],
    [encode('a\nb:c'), /control character/],
    [encode('a:b\0c'), /NUL/],
    ['Bearer eyJhbGciOi', /Basic scheme, not Bearer$/],
    ['Digest username="a"', /Basic scheme/],
  ];
  // A mangled header is still somebody's secret: no part of it may come back in the message.
  for (const header of ['Basic\u0001YWxpY2U6YWxpY2U=', 'YWxpY2U6c2VjcmV0 Basic', 'Basicx YWxpY2U6c2VjcmV0', 'secret-token-value']) {
    test(`never echoes the header: ${JSON.stringify(header.slice(0, 12))}`, () => {
      assert.throws(
        () => parseBasicCredentials(header),
        (err: unknown) => err instanceof InvalidRequestError && !/YWxp|secret|Basicx|\u0001/.test(err.message) && !err.message.includes(header.slice(0, 6)),
      );
    });
  }
  for (const [header, message] of bad) {
    test(`refuses ${JSON.stringify(header.slice(0, 24))} with a 400, never as anonymous`, () => {
      assert.throws(() => parseBasicCredentials(header), (err: unknown) => err instanceof InvalidRequestError && message.test(err.message));
    });
  }
});
