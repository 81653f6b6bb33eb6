import { InvalidRequestError } from '../errors.js';

/** Which parameters an endpoint reads; anything else is ignored. */
export interface ParamSpec {
  /** May appear at most once: a second value is a 400, not a silent choice. */
  readonly single: readonly string[];
  /** May repeat (`scope`). */
  readonly multi: readonly string[];
  /** Values exempt from the control-character check (a password may hold anything but NUL). */
  readonly raw?: readonly string[];
}

export type Params = ReadonlyMap<string, readonly string[]>;

export const MAX_PARAMS = 64;
export const MAX_VALUE_LENGTH = 8192;

/**
 * Parses `a=1&b=2` (a URL query or an x-www-form-urlencoded body) strictly: percent-escapes must
 * decode to UTF-8, values may not hold control characters, and a single-valued parameter may not
 * repeat. Typed values are made from the result at once by the caller.
 */
export function parseParams(text: string, spec: ParamSpec): Params {
  const out = new Map<string, string[]>();
  if (text === '') return out;
  const pairs = text.split('&');
  if (pairs.length > MAX_PARAMS) throw new InvalidRequestError(`too many parameters (at most ${MAX_PARAMS})`);
  for (const pair of pairs) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq), 'a parameter name');
    const isSingle = spec.single.includes(name);
    if (!isSingle && !spec.multi.includes(name)) continue;
    const value = decode(eq < 0 ? '' : pair.slice(eq + 1), `parameter ${name}`);
    if (value.length > MAX_VALUE_LENGTH) throw new InvalidRequestError(`parameter ${name} is too long`);
    const forbidden = spec.raw?.includes(name) ? /\0/ : /[\0-\x1f\x7f]/;
    if (forbidden.test(value)) throw new InvalidRequestError(`parameter ${name} contains a control character`);
    const values = out.get(name);
    if (values === undefined) out.set(name, [value]);
    else if (isSingle) throw new InvalidRequestError(`parameter ${name} must appear only once`);
    else values.push(value);
  }
  return out;
}

/** The one value of a single-valued parameter. */
export function one(params: Params, name: string): string | undefined {
  return params.get(name)?.[0];
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    throw new InvalidRequestError(`${what} is not valid percent-encoded UTF-8`);
  }
}
