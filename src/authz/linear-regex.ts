import { RE2JS, RE2JSException } from 're2js';
import { RegexSyntaxError } from '../errors.js';

/** A match: index 0 is the matched text, N the Nth capture group (undefined when it took no part). */
export type RegexMatch = readonly (string | undefined)[];

/**
 * A regular expression with Go's RE2 semantics, matched in time linear in the input. ACLs are
 * pasted from cesanta/docker_auth, whose regexes are Go's: the same text must mean the same thing
 * here, and no request may make the matcher backtrack.
 */
export interface LinearRegex {
  /** The RE2 source, without slashes. */
  readonly source: string;
  /** Number of capture groups, named ones included. */
  readonly groups: number;
  /** True when the regex matches anywhere in `value` (unanchored, as Go's MatchString). */
  test(value: string): boolean;
  /** The leftmost match and its groups, or null. */
  exec(value: string): RegexMatch | null;
}

/** True for `/.../`, the spelling of a regex in purser's files ("//" is too short and is not). */
export function isRegexText(text: string): boolean {
  return text.length > 2 && text.startsWith('/') && text.endsWith('/');
}

/** Compiles a `/regex/` as written in a configuration file. */
export function compileLinearRegex(text: string): LinearRegex {
  if (!isRegexText(text)) throw new RegexSyntaxError(`${JSON.stringify(text)} is not a /regex/`);
  return compileRe2(text.slice(1, -1), text);
}

// A compiled regex never changes, so one source compiles once however many rules repeat it (an
// ACL says `account: "/.+/"` a hundred times), and a reload does not compile them all again.
const COMPILED_LIMIT = 4096;
const compiledBySource = new Map<string, LinearRegex>();

/** Compiles RE2 source; `shownAs` is how errors quote the pattern to its author. */
export function compileRe2(source: string, shownAs = `/${source}/`): LinearRegex {
  let regex = compiledBySource.get(source);
  if (regex === undefined) {
    regex = compile(source, shownAs);
    if (compiledBySource.size >= COMPILED_LIMIT) compiledBySource.clear();
    compiledBySource.set(source, regex);
  }
  return regex;
}

function compile(source: string, shownAs: string): LinearRegex {
  let compiled: RE2JS;
  try {
    // Flags 0: no lookbehinds, which re2js offers as an extension and RE2 itself does not have.
    compiled = RE2JS.compile(source, 0);
  } catch (err) {
    if (!(err instanceof RE2JSException)) throw err;
    throw new RegexSyntaxError(`invalid regular expression ${shownAs}: ${describe(err.message)}`);
  }
  const groups = compiled.groupCount();
  const engine = compiled.re2();
  return {
    source,
    groups,
    test: (value) => compiled.test(value),
    // The DFA behind test() is several times faster than any capturing pass, so it rejects first.
    // RE2's findSubmatch (null for a group that took no part) is about twice as fast as exec().
    exec: (value) => {
      if (!compiled.test(value)) return null;
      const found = engine.findSubmatch(value) as Array<string | null> | null;
      return found === null ? null : found.map((group) => group ?? undefined);
    },
  };
}

/**
 * Quotes text so that it matches itself: the characters Go's regexp.QuoteMeta escapes, plus '-'
 * and '/', so the result is also literal inside a character class. RE2 reads a backslash before
 * any ASCII punctuation as that character; before a letter or digit it is an error or a class.
 */
export function quoteRe2(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$/-]/g, '\\$&');
}

/** True when RE2 source ends inside an unterminated `\Q...\E`, where a backslash is literal. */
export function endsInsideQuote(source: string): boolean {
  let quoted = false;
  for (let i = 0; i < source.length; i++) {
    if (source[i] !== '\\') continue;
    const next = source[i + 1];
    if (quoted) {
      // As in Go's parser, the first `\E` ends the quote; any other backslash in it is literal.
      if (next === 'E') {
        quoted = false;
        i++;
      }
    } else {
      quoted = next === 'Q';
      i++;
    }
  }
  return quoted;
}

// RE2 leaves these out because they need backtracking; its parser names only the token it stopped
// at, so say what the construct is. The engine's own words follow.
const UNSUPPORTED: ReadonlyArray<readonly [RegExp, string]> = [
  [/^invalid escape sequence: `\\[1-9]`$/, 'backreferences are not supported'],
  [/^invalid or unsupported Perl syntax: `\(\?[=!]`$/, 'lookahead is not supported'],
  [/^invalid named capture: `\(\?<[=!]/, 'lookbehind is not supported'],
  [/^invalid nested repetition operator: `(?:[*+?]|\{[0-9,]*\})\+`$/, 'possessive quantifiers are not supported'],
  [/^invalid or unsupported Perl syntax: `\(\?>`$/, 'atomic groups are not supported'],
];

function describe(engineMessage: string): string {
  const detail = engineMessage.replace(/^error parsing regexp: /, '');
  const known = UNSUPPORTED.find(([pattern]) => pattern.test(detail));
  const what = known === undefined ? detail : `${known[1]} (${detail})`;
  return `${what}; regexes use Go's RE2 syntax, as in docker_auth`;
}
