import type { Labels } from '../auth.js';
import { globToRe2 } from './glob-to-re2.js';
import { compileRe2, endsInsideQuote, isRegexText, quoteRe2, type LinearRegex, type RegexMatch } from './linear-regex.js';

/** The request fields a pattern can be matched against or refer to. */
export type Field = 'account' | 'type' | 'name' | 'service';
export const FIELDS: readonly Field[] = ['account', 'type', 'name', 'service'];

export interface MatchValues extends Readonly<Record<Field, string>> {
  readonly labels: Labels;
}

/** Capture groups of the rule's own regex fields, filled in while a rule is evaluated. */
export type Captures = Partial<Record<Field, readonly (string | undefined)[]>>;

export interface CaptureRef {
  readonly field: Field;
  readonly group: number;
}

type Part =
  | { readonly kind: 'source'; readonly source: string; readonly raw: string }
  | { readonly kind: 'value'; readonly field: Field }
  | { readonly kind: 'capture'; readonly ref: CaptureRef }
  | { readonly kind: 'label'; readonly key: string };

/**
 * A compiled ACL pattern. `/.../` is a regular expression in Go's RE2 syntax, unanchored as in
 * cesanta/docker_auth (write ^ and $ to anchor). Anything else is a glob matched against the whole
 * value, in which `*` and `?` stop at '/', `**` crosses it, `[...]` is a character class and `\`
 * escapes. Placeholders (`${account}`, `${name}`, `${type}`, `${service}`, `${account:1}`,
 * `${labels:group}`) are filled in at match time with the request's values, quoted so that they
 * match literally. Both kinds run on the linear-time engine: no value can make a match backtrack.
 */
export interface Pattern {
  readonly text: string;
  readonly kind: 'glob' | 'regex';
  /** Number of capture groups (regex patterns). */
  readonly groups: number;
  readonly captureRefs: readonly CaptureRef[];
  /** For a glob without wildcards or placeholders: the one value it matches. */
  readonly literal: string | undefined;
  /** True when the pattern matches every string. */
  readonly matchesEverything: boolean;
  /** Every value the pattern matches starts with this ('' when nothing is certain). */
  readonly prefix: string;
  /** True when the pattern matches the value. */
  test(value: string, values: MatchValues, captures: Captures): boolean;
  /** Matches the value; returns the match with its groups (`[]` when it has none), or null. */
  exec(value: string, values: MatchValues, captures: Captures): RegexMatch | null;
}

const PLACEHOLDER = /\$\{([^}]*)\}/g;
const CACHE_LIMIT = 256;
/** The match of a pattern without capture groups: nothing to capture, nothing to allocate. */
const MATCHED: RegexMatch = Object.freeze([]);
const NO_VALUES: MatchValues = { account: '', type: '', name: '', service: '', labels: new Map() };

export function compilePattern(text: string): Pattern {
  const isRegex = isRegexText(text);
  const body = isRegex ? text.slice(1, -1) : text;
  const parts = splitPlaceholders(body, isRegex);
  const dynamic = parts.some((part) => part.kind !== 'source');
  // A glob covers the whole value, and its `**` crosses every character, newlines included.
  const wrap = (source: string): string => (isRegex ? source : `(?s)^${source}$`);
  const literal = !isRegex && !dynamic && !/[*?[\\]/.test(text) ? text : undefined;
  const prefix = isRegex ? regexPrefix(body) : globPrefix(body);
  const plain = isRegex ? undefined : plainGlob(parts);
  // A plain glob is decided by comparing strings, so only the others need the engine. They are
  // compiled now, so bad syntax is refused at load, placeholders standing in as empty groups.
  const probe =
    plain === undefined ? compileRe2(wrap(parts.map((p) => (p.kind === 'source' ? p.source : '(?:)')).join('')), text) : undefined;
  const groups = isRegex ? (probe?.groups ?? 0) : 0;
  const captureRefs = parts.flatMap((p) => (p.kind === 'capture' ? [p.ref] : []));
  const matchesEverything =
    (!isRegex && text === '**') || (isRegex && !dynamic && ['', '.*', '^.*', '.*$', '^.*$'].includes(body));

  const cache = new Map<string, LinearRegex>();
  const filled = (values: MatchValues, captures: Captures): LinearRegex | undefined => {
    let source = '';
    for (const part of parts) {
      const piece = fill(part, values, captures);
      if (piece === undefined) return undefined;
      source += piece;
    }
    source = wrap(source);
    let regex = cache.get(source);
    if (regex === undefined) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      // Quoted values keep the source valid; only RE2's size limit could refuse it, and then the
      // request fails rather than the rule silently not matching.
      regex = compileRe2(source, text);
      cache.set(source, regex);
    }
    return regex;
  };
  const required = plain === undefined && !isRegex && !dynamic ? globRequired(body) : '';
  /** The answer, when a string comparison has it; otherwise the regex that will. */
  const decide = (value: string, values: MatchValues, captures: Captures): boolean | LinearRegex => {
    // Most rules of a long ACL are about other names: a prefix test turns them away cheaply, and
    // so does a glob's literal text (`*/secret-*`), before the engine runs.
    if (prefix !== '' && !value.startsWith(prefix)) return false;
    if (required !== '' && !value.includes(required)) return false;
    if (plain !== undefined) return plainMatches(plain, value, values, captures);
    if (!dynamic && probe !== undefined) return probe;
    return filled(values, captures) ?? false;
  };
  const test = (value: string, values: MatchValues, captures: Captures): boolean => {
    const regex = decide(value, values, captures);
    return typeof regex === 'boolean' ? regex : regex.test(value);
  };
  const exec = (value: string, values: MatchValues, captures: Captures): RegexMatch | null => {
    const regex = decide(value, values, captures);
    if (typeof regex === 'boolean') return regex ? MATCHED : null;
    if (groups === 0) return regex.test(value) ? MATCHED : null;
    return regex.exec(value);
  };
  return { text, kind: isRegex ? 'regex' : 'glob', groups, captureRefs, literal, matchesEverything, prefix, test, exec };
}

/**
 * A glob of plain text and request values (`alice`, `${account}`, `${account:1}-ci`), or one of
 * those followed by `**` (`team-a/**`, `${account}/**`): the value must equal the parts joined, or
 * start with them. Most ACL rules are of this kind; no engine needs to run for them.
 */
interface PlainGlob {
  readonly head: readonly Part[];
  readonly open: boolean;
  /** The head joined, when it has no placeholders. */
  readonly fixed: string | undefined;
}

function plainGlob(parts: readonly Part[]): PlainGlob | undefined {
  const last = parts.at(-1);
  const open = last?.kind === 'source' && last.raw.endsWith('**');
  const head = open ? [...parts.slice(0, -1), { kind: 'source', source: '', raw: last.raw.slice(0, -2) } as const] : parts;
  const isPlain = (part: Part): boolean =>
    part.kind === 'value' || part.kind === 'capture' || (part.kind === 'source' && !/[*?[\\]/.test(part.raw));
  if (!head.every(isPlain)) return undefined;
  const fixed = head.every((part) => part.kind === 'source') ? head.map((part) => plainPiece(part, NO_VALUES, {})).join('') : undefined;
  return { head, open, fixed };
}

function plainMatches(plain: PlainGlob, value: string, values: MatchValues, captures: Captures): boolean {
  if (plain.fixed !== undefined) return plain.open ? value.startsWith(plain.fixed) : value === plain.fixed;
  let expected = '';
  for (const part of plain.head) {
    const piece = plainPiece(part, values, captures);
    // As in fill(): a group that took no part gives no value, and no match.
    if (piece === undefined) return false;
    expected += piece;
  }
  return plain.open ? value.startsWith(expected) : value === expected;
}

/** A part of a plain glob as the text it stands for (unquoted: no engine reads it). */
function plainPiece(part: Part, values: MatchValues, captures: Captures): string | undefined {
  switch (part.kind) {
    case 'source':
      return part.raw;
    case 'value':
      return values[part.field];
    case 'capture':
      return captures[part.ref.field]?.[part.ref.group];
    case 'label':
      return undefined;
  }
}

/** The longest text between a glob's wildcards: every value it matches contains it. */
function globRequired(glob: string): string {
  if (/[[\\]/.test(glob)) return '';
  return glob.split(/[*?]+/).reduce((longest, piece) => (piece.length > longest.length ? piece : longest), '');
}

/** The literal start of a glob: everything before its first wildcard, class, escape or placeholder. */
function globPrefix(glob: string): string {
  const end = glob.search(/[*?[\\]|\$\{/);
  return end < 0 ? glob : glob.slice(0, end);
}

/**
 * The literal start of an anchored regex (`^mirror-1\/.+$` → `mirror-1/`), or '' when there is
 * none that every match must share: unanchored, or with an alternation anywhere. A character that
 * a quantifier follows may be absent, so the prefix stops before it.
 */
function regexPrefix(source: string): string {
  if (!source.startsWith('^') || source.includes('|')) return '';
  let out = '';
  for (let i = 1; i < source.length; i++) {
    let ch = source[i] as string;
    let width = 1;
    if (ch === '\\') {
      const next = source[i + 1] ?? '';
      if (!/[./\-_:@]/.test(next)) break;
      ch = next;
      width = 2;
    } else if (!/[A-Za-z0-9_:@/-]/.test(ch)) {
      break;
    }
    if (/[?*+{]/.test(source[i + width] ?? '')) break;
    out += ch;
    i += width - 1;
  }
  return out;
}

function fill(part: Part, values: MatchValues, captures: Captures): string | undefined {
  switch (part.kind) {
    case 'source':
      return part.source;
    case 'value':
      return quoteRe2(values[part.field]);
    case 'capture': {
      // A group that did not take part in the match gives no value, and the rule does not match:
      // an empty substitution could silently widen it.
      const captured = captures[part.ref.field]?.[part.ref.group];
      return captured === undefined ? undefined : quoteRe2(captured);
    }
    case 'label': {
      const labelValues = values.labels.get(part.key);
      if (!labelValues || labelValues.length === 0) return undefined;
      return `(?:${labelValues.map(quoteRe2).join('|')})`;
    }
  }
}

function splitPlaceholders(body: string, isRegex: boolean): Part[] {
  const parts: Part[] = [];
  let last = 0;
  const pushText = (text: string): void => {
    if (text.includes('${')) throw new Error(`unclosed placeholder in ${JSON.stringify(body)}`);
    if (text !== '') parts.push({ kind: 'source', source: isRegex ? text : globToRe2(text), raw: text });
  };
  for (const match of body.matchAll(PLACEHOLDER)) {
    pushText(body.slice(last, match.index));
    if (isRegex && endsInsideQuote(body.slice(0, match.index))) {
      throw new Error(`placeholder ${match[0]} inside \\Q...\\E would keep its quoting backslashes; end the \\Q...\\E before it`);
    }
    parts.push(parsePlaceholder(match[1] ?? ''));
    last = match.index + match[0].length;
  }
  pushText(body.slice(last));
  return parts;
}

function parsePlaceholder(inner: string): Part {
  const [head = '', arg] = inner.split(':', 2);
  if (head === 'labels' && arg !== undefined && /^[A-Za-z0-9_.-]+$/.test(arg)) return { kind: 'label', key: arg };
  if ((FIELDS as readonly string[]).includes(head)) {
    const field = head as Field;
    if (arg === undefined) return { kind: 'value', field };
    if (/^[1-9][0-9]?$/.test(arg)) return { kind: 'capture', ref: { field, group: Number(arg) } };
  }
  throw new Error(
    `unknown placeholder \${${inner}}; use \${account}, \${name}, \${type}, \${service}, \${account:N} or \${labels:KEY}`,
  );
}

