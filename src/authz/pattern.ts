import type { Labels } from '../auth.js';

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
  | { readonly kind: 'source'; readonly source: string }
  | { readonly kind: 'value'; readonly field: Field }
  | { readonly kind: 'capture'; readonly ref: CaptureRef }
  | { readonly kind: 'label'; readonly key: string };

/**
 * A compiled ACL pattern. `/.../` is a regular expression, unanchored as in cesanta/docker_auth
 * (write ^ and $ to anchor). Anything else is a glob matched against the whole value, in which `*`
 * and `?` stop at '/', `**` crosses it, `[...]` is a character class and `\` escapes.
 * Placeholders (`${account}`, `${name}`, `${type}`, `${service}`, `${account:1}`, `${labels:group}`)
 * are filled in at match time with the request's values, escaped so that they match literally.
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
  /** Matches the value; returns the match (with groups) or null. */
  exec(value: string, values: MatchValues, captures: Captures): RegExpExecArray | null;
}

const PLACEHOLDER = /\$\{([^}]*)\}/g;
const CACHE_LIMIT = 256;

export function compilePattern(text: string): Pattern {
  const isRegex = text.length > 2 && text.startsWith('/') && text.endsWith('/');
  let body = isRegex ? text.slice(1, -1) : text;
  let flags = '';
  if (isRegex) {
    // Patterns written for docker_auth use Go's RE2 syntax; accept its two common spellings.
    if (body.startsWith('(?i)')) {
      body = body.slice(4);
      flags = 'i';
    }
    body = body.replaceAll('(?P<', '(?<');
  }
  const parts = splitPlaceholders(body, isRegex);
  const dynamic = parts.some((part) => part.kind !== 'source');
  const anchored = (source: string): string => (isRegex ? source : `^${source}$`);
  const probeSource = anchored(parts.map((p) => (p.kind === 'source' ? p.source : '(?:)')).join(''));
  let probe: RegExp;
  try {
    probe = new RegExp(probeSource, flags);
  } catch (err) {
    throw new Error(`invalid regular expression ${text}: ${(err as Error).message}`);
  }
  const groups = isRegex ? (new RegExp(`${probeSource}|`, flags).exec('')?.length ?? 1) - 1 : 0;
  const captureRefs = parts.flatMap((p) => (p.kind === 'capture' ? [p.ref] : []));
  const literal = !isRegex && !dynamic && !/[*?[\\]/.test(text) ? text : undefined;
  const matchesEverything =
    (!isRegex && text === '**') || (isRegex && !dynamic && ['', '.*', '^.*', '.*$', '^.*$'].includes(body));

  const prefix = isRegex ? (flags === '' ? regexPrefix(body) : '') : globPrefix(body);
  const cache = new Map<string, RegExp>();
  const exec = (value: string, values: MatchValues, captures: Captures): RegExpExecArray | null => {
    // Most rules of a long ACL are about other names: a prefix test turns them away cheaply.
    if (prefix !== '' && !value.startsWith(prefix)) return null;
    if (!dynamic) return probe.exec(value);
    let source = '';
    for (const part of parts) {
      const piece = fill(part, values, captures);
      if (piece === undefined) return null;
      source += piece;
    }
    source = anchored(source);
    let regex = cache.get(source);
    if (regex === undefined) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      regex = new RegExp(source, flags);
      cache.set(source, regex);
    }
    return regex.exec(value);
  };
  return { text, kind: isRegex ? 'regex' : 'glob', groups, captureRefs, literal, matchesEverything, prefix, exec };
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

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function fill(part: Part, values: MatchValues, captures: Captures): string | undefined {
  switch (part.kind) {
    case 'source':
      return part.source;
    case 'value':
      return escapeRegex(values[part.field]);
    case 'capture': {
      // A group that did not take part in the match gives no value, and the rule does not match:
      // an empty substitution could silently widen it.
      const captured = captures[part.ref.field]?.[part.ref.group];
      return captured === undefined ? undefined : escapeRegex(captured);
    }
    case 'label': {
      const labelValues = values.labels.get(part.key);
      if (!labelValues || labelValues.length === 0) return undefined;
      return `(?:${labelValues.map(escapeRegex).join('|')})`;
    }
  }
}

function splitPlaceholders(body: string, isRegex: boolean): Part[] {
  const parts: Part[] = [];
  let last = 0;
  const pushText = (text: string): void => {
    if (text.includes('${')) throw new Error(`unclosed placeholder in ${JSON.stringify(body)}`);
    if (text !== '') parts.push({ kind: 'source', source: isRegex ? text : globToRegex(text) });
  };
  for (const match of body.matchAll(PLACEHOLDER)) {
    pushText(body.slice(last, match.index));
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

/** Translates glob syntax to regex source (without anchors). */
function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === '\\') {
      const next = glob[++i];
      if (next === undefined) throw new Error(`pattern ${JSON.stringify(glob)} ends with a lone backslash`);
      out += escapeRegex(next);
    } else if (ch === '*') {
      if (glob[i + 1] === '*') {
        i++;
        // `a/**/b` also matches `a/b`, as in .gitignore.
        if (glob[i + 1] === '/') {
          i++;
          out += '(?:.*/)?';
        } else {
          out += '.*';
        }
      } else {
        out += '[^/]*';
      }
    } else if (ch === '?') {
      out += '[^/]';
    } else if (ch === '[') {
      const end = classEnd(glob, i);
      out += `(?!/)${classToRegex(glob.slice(i + 1, end))}`;
      i = end;
    } else {
      out += escapeRegex(ch);
    }
  }
  return out;
}

function classEnd(glob: string, open: number): number {
  for (let i = open + 1; i < glob.length; i++) {
    if (glob[i] === '\\') i++;
    else if (glob[i] === ']' && i > open + 1) return i;
  }
  throw new Error(`pattern ${JSON.stringify(glob)} has an unclosed "["`);
}

function classToRegex(inner: string): string {
  let body = inner;
  let negate = '';
  if (body.startsWith('^') || body.startsWith('!')) {
    negate = '^';
    body = body.slice(1);
  }
  if (body === '') throw new Error('empty character class "[]"');
  let out = '';
  for (let i = 0; i < body.length; i++) {
    let ch = body[i] as string;
    if (ch === '\\') ch = body[++i] ?? '\\';
    else if (ch === '-' && i > 0 && i < body.length - 1) {
      out += '-';
      continue;
    }
    out += /[\\\]^[-]/.test(ch) ? `\\${ch}` : ch;
  }
  return `[${negate}${out}]`;
}
