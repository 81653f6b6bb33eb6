import { quoteRe2 } from './linear-regex.js';

/**
 * Translates glob syntax to RE2 source, without anchors: `*` and `?` stop at '/', `**` crosses it,
 * `[...]` is a character class that never matches '/', and `\` escapes. The result is matched with
 * the linear-time engine like any ACL regex, so no glob can make the matcher backtrack either.
 */
export function globToRe2(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === '\\') {
      const next = glob[++i];
      if (next === undefined) throw new Error(`pattern ${JSON.stringify(glob)} ends with a lone backslash`);
      out += quoteRe2(next);
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
      out += classToRe2(glob.slice(i + 1, end), glob);
      i = end;
    } else {
      out += quoteRe2(ch);
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

const SLASH = 0x2f;
const NOTHING = '[^\\x00-\\x{10FFFF}]';

/**
 * A glob class as an RE2 class without '/'. RE2 has no lookahead to say "but not '/'", so the
 * ranges are split around it instead. A '-' between two characters makes a range; first, last or
 * right after a range it is literal.
 */
function classToRe2(inner: string, glob: string): string {
  let body = inner;
  let negate = false;
  if (body.startsWith('^') || body.startsWith('!')) {
    negate = true;
    body = body.slice(1);
  }
  if (body === '') throw new Error('empty character class "[]"');
  const chars = Array.from(body);
  let i = 0;
  const next = (): number => {
    let ch = chars[i++] as string;
    if (ch === '\\' && i < chars.length) ch = chars[i++] as string;
    return ch.codePointAt(0) as number;
  };
  const ranges: Array<readonly [number, number]> = [];
  while (i < chars.length) {
    const lo = next();
    let hi = lo;
    if (chars[i] === '-' && i + 1 < chars.length) {
      i++;
      hi = next();
      if (hi < lo) throw new Error(`pattern ${JSON.stringify(glob)} has an inverted range ${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)}`);
    }
    ranges.push([lo, hi]);
  }
  if (negate) return `[^${[...ranges, [SLASH, SLASH] as const].map(rangeSource).join('')}]`;
  const allowed = ranges.flatMap(([lo, hi]): Array<readonly [number, number]> => {
    if (lo > SLASH || hi < SLASH) return [[lo, hi]];
    return [...(lo < SLASH ? [[lo, SLASH - 1] as const] : []), ...(hi > SLASH ? [[SLASH + 1, hi] as const] : [])];
  });
  return allowed.length === 0 ? NOTHING : `[${allowed.map(rangeSource).join('')}]`;
}

function rangeSource([lo, hi]: readonly [number, number]): string {
  return lo === hi ? classChar(lo) : `${classChar(lo)}-${classChar(hi)}`;
}

/** Letters and digits as themselves; anything else by code point, which RE2 never misreads. */
function classChar(codePoint: number): string {
  const ch = String.fromCodePoint(codePoint);
  return /^[0-9A-Za-z]$/.test(ch) ? ch : `\\x{${codePoint.toString(16)}}`;
}
