import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileLinearRegex, compileRe2, quoteRe2 } from '../../../src/authz/linear-regex.js';
import { RegexSyntaxError } from '../../../src/errors.js';

describe('ACL regexes have Go RE2 semantics', () => {
  // What docker_auth users write, matched as Go's regexp package matches it.
  const cases: Array<[string, string, boolean]> = [
    ['/\\Aadmin\\z/', 'admin', true],
    ['/\\Aadmin\\z/', 'xadmin', false],
    ['/\\Aadmin\\z/', 'admin\n', false],
    ['/^[[:alpha:]]+$/', 'abc', true],
    ['/^[[:alpha:]]+$/', 'abc1', false],
    ['/^[[:^digit:]]+$/', 'abc', true],
    ['/^\\pL+$/', 'émile', true],
    ['/^\\pL+$/', 'a1', false],
    ['/^\\p{Greek}+$/', 'αβγ', true],
    ['/^\\PL+$/', '123', true],
    ['/^\\d+$/', '0123', true],
    ['/^\\d+$/', '١٢', false],
    ['/(?i)^ADMIN$/', 'admin', true],
    ['/^a(?i:B)c$/', 'abc', true],
    ['/^a(?i:B)c$/', 'abC', false],
    ['/^(?P<user>[a-z]+)$/', 'bob', true],
    ['/^(?<user>[a-z]+)$/', 'bob', true],
    ['/^\\Qa.b\\E$/', 'a.b', true],
    ['/^\\Qa.b\\E$/', 'axb', false],
    ['/^\\x{41}\\x42$/', 'AB', true],
    ['/(?s)^a.b$/', 'a\nb', true],
    ['/^a.b$/', 'a\nb', false],
    ['/(?m)^b$/', 'a\nb', true],
    ['/^a$/', 'a\n', false],
    ['/\\bapp\\b/', 'my-app', true],
    ['/^a{,2}$/', 'a{,2}', true],
  ];
  for (const [text, value, expected] of cases) {
    test(`${text} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(value)}`, () => {
      assert.equal(compileLinearRegex(text).test(value), expected);
    });
  }

  test('counts capture groups, named ones included', () => {
    assert.equal(compileLinearRegex('/^(a)(?P<n>b)(?:c)(?<m>d)$/').groups, 3);
    assert.equal(compileLinearRegex('/^a$/').groups, 0);
  });

  test('exec gives the groups, undefined for one that took no part', () => {
    assert.deepEqual([...(compileLinearRegex('/^(?:(a)|(b))@(.+)$/').exec('b@x') ?? [])], ['b@x', undefined, 'b', 'x']);
    assert.equal(compileLinearRegex('/^(a)$/').exec('b'), null);
  });
});

describe('syntax RE2 does not have is a load error that names it', () => {
  const cases: Array<[string, RegExp]> = [
    ['/(a)\\1/', /^invalid regular expression \/\(a\)\\1\/: backreferences are not supported \(invalid escape sequence: `\\1`\)/],
    ['/^(?=x)/', /: lookahead is not supported \(invalid or unsupported Perl syntax: `\(\?=`\)/],
    ['/^(?!x)/', /: lookahead is not supported/],
    ['/(?<=x)a/', /: lookbehind is not supported/],
    ['/(?<!x)a/', /: lookbehind is not supported/],
    ['/a*+/', /: possessive quantifiers are not supported \(invalid nested repetition operator: `\*\+`\)/],
    ['/a{2}+/', /: possessive quantifiers are not supported/],
    ['/(?>a)/', /: atomic groups are not supported/],
    ['/(unclosed/', /: missing closing \): `\(unclosed`/],
    ['/[a/', /: missing closing \]: `\[a`/],
    ['/a)/', /: unexpected \): `a\)`/],
    ['/a**/', /: invalid nested repetition operator: `\*\*`/],
    ['/x{1001}/', /: invalid repeat count: `\{1001\}`/],
    ['/[[:alfa:]]/', /: invalid character class range: `\[:alfa:\]`/],
    ['/\\p{Klingon}/', /: invalid character class range: `\\p\{Klingon\}`/],
    ['/[z-a]/', /: invalid character class range: `z-a`/],
    ['/(?x)a b/', /: invalid or unsupported Perl syntax: `\(\?x`/],
    ['/(?P=n)/', /: invalid or unsupported Perl syntax: `\(\?P`/],
    ['/(?<n>a)(?<n>b)/', /: duplicate capture group name: `n`/],
    // Escapes JavaScript (or PCRE) reads but Go refuses: never silently a literal letter.
    ['/\\Z/', /: invalid escape sequence: `\\Z`/],
    ['/\\e/', /: invalid escape sequence: `\\e`/],
    ['/\\G/', /: invalid escape sequence: `\\G`/],
    ['/\\h/', /: invalid escape sequence: `\\h`/],
    ['/\\R/', /: invalid escape sequence: `\\R`/],
    ['/\\K/', /: invalid escape sequence: `\\K`/],
    ['/\\cA/', /: invalid escape sequence: `\\c`/],
    ['/\\u0041/', /: invalid escape sequence: `\\u`/],
    ['/\\k<n>/', /: invalid escape sequence: `\\k`/],
    ['/[\\b]/', /: invalid escape sequence: `\\b`/],
    ['/\\é/', /: invalid escape sequence: `\\é`/],
  ];
  for (const [text, message] of cases) {
    test(`${text} is refused`, () => {
      assert.throws(
        () => compileLinearRegex(text),
        (err: unknown) => {
          assert.ok(err instanceof RegexSyntaxError);
          assert.equal(err.code, 'ERR_REGEX_SYNTAX');
          assert.match(err.message, message);
          assert.match(err.message, /; regexes use Go's RE2 syntax, as in docker_auth$/);
          return true;
        },
      );
    });
  }

  test('text without slashes is not a /regex/', () => {
    assert.throws(() => compileLinearRegex('admin'), { code: 'ERR_REGEX_SYNTAX', message: '"admin" is not a /regex/' });
  });
});

describe('every backslash escape is accepted or refused exactly as Go accepts or refuses it', () => {
  // Go's regexp/syntax (parseEscape): a backslash before ASCII punctuation is that character; before
  // a letter or digit only these mean something, and anything else is an error, not a literal.
  const punctuation = (c: string): boolean => c < '\x80' && !/[0-9A-Za-z]/.test(c);
  const outside = (c: string): boolean => punctuation(c) || 'afnrtvAbBzdDsSwWQ0xpP'.includes(c);
  const inside = (c: string): boolean => punctuation(c) || 'afnrtvdDsSwW0xpP'.includes(c);
  const spelled = (c: string): string => (c === 'x' ? '\\x41' : c === 'p' || c === 'P' ? `\\${c}L` : `\\${c}`);
  const accepts = (source: string): boolean => {
    try {
      compileRe2(source);
      return true;
    } catch {
      return false;
    }
  };
  test('for each ASCII character, alone and in a class', () => {
    const mismatches: string[] = [];
    for (let code = 0; code < 128; code++) {
      const c = String.fromCharCode(code);
      if (accepts(spelled(c)) !== outside(c)) mismatches.push(spelled(c));
      if (accepts(`[${spelled(c)}]`) !== inside(c)) mismatches.push(`[${spelled(c)}]`);
    }
    assert.deepEqual(mismatches, []);
  });
});

describe('quoteRe2', () => {
  const texts = ['a.b', 'a-b_c', 'ops.team', 'a*b', 'x+y?', '(a)|[b]', '{1}', '^$', 'a\\b', 'a/b', 'é'];
  for (const text of texts) {
    test(`${JSON.stringify(text)} quoted matches itself and nothing else`, () => {
      const whole = compileRe2(`^${quoteRe2(text)}$`);
      assert.equal(whole.test(text), true);
      assert.equal(whole.test(`${text}x`), false);
      assert.equal(whole.test(text.replace(/[^a-z]/, 'Z')), text.replace(/[^a-z]/, 'Z') === text);
      // In a class too: each character stands for itself ('-' makes no range).
      const chars = compileRe2(`^[${quoteRe2(text)}]+$`);
      assert.equal(chars.test(text), true);
    });
  }
  test('a quoted "-" inside a class is not a range', () => {
    assert.equal(compileRe2(`^[${quoteRe2('a-z')}]$`).test('b'), false);
  });
});
