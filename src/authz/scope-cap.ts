import type { GrantCap, Scope } from '../auth.js';
import { compilePattern, type Pattern } from './pattern.js';

interface CapEntry {
  readonly text: string;
  readonly type: string;
  readonly name: Pattern;
  /** `["*"]`: every action. */
  readonly actions: readonly string[];
}

const TYPE = /^(?:[a-z0-9]+(?:\([a-z0-9]+\))?|\*)$/;
const ACTION = /^(?:[a-z]+|\*)$/;
const NO_VALUES = { account: '', type: '', name: '', service: '', labels: new Map() } as const;

/**
 * Parses one scope pattern of an API token's `scopes`: `type:name:actions` as in a request, with
 * the ACL's glob syntax in the name (`repository:team/**:pull,push`, `registry:catalog:*`).
 * Throws with a readable message when it does not parse.
 */
export function parseScopePattern(text: string): CapEntry {
  const first = text.indexOf(':');
  const last = text.lastIndexOf(':');
  if (first < 0 || first === last) throw new Error(`${JSON.stringify(text)} is not type:name:actions`);
  const type = text.slice(0, first);
  const name = text.slice(first + 1, last);
  const actions = text.slice(last + 1).split(',');
  if (!TYPE.test(type)) throw new Error(`${JSON.stringify(text)}: the type must be lowercase letters and digits (or "*")`);
  if (name === '' || name.includes('${')) throw new Error(`${JSON.stringify(text)}: the name must be a glob pattern without placeholders`);
  if (name.startsWith('/') && name.endsWith('/') && name.length > 2) throw new Error(`${JSON.stringify(text)}: the name is a glob, not a /regex/`);
  if (!actions.every((a) => ACTION.test(a))) throw new Error(`${JSON.stringify(text)}: actions must be lowercase letters or "*"`);
  if (actions.includes('*') && actions.length > 1) throw new Error(`${JSON.stringify(text)}: "*" already allows every action; list it alone`);
  let pattern: Pattern;
  try {
    pattern = compilePattern(name);
  } catch (err) {
    throw new Error(`${JSON.stringify(text)}: ${(err as Error).message}`);
  }
  return { text, type, name: pattern, actions: [...new Set(actions)] };
}

/**
 * The cap made of scope patterns: for a scope, the actions of every pattern that matches its type
 * and name are allowed; anything else the ACL granted is taken away. A scope no pattern matches
 * gets nothing, and a cap wider than the ACL adds nothing.
 */
export function compileScopeCap(patterns: readonly string[]): GrantCap {
  const entries = patterns.map(parseScopePattern);
  return {
    patterns: entries.map((entry) => entry.text),
    restrict(scope: Scope, granted: readonly string[]): readonly string[] {
      const type = scope.class === undefined ? scope.type : `${scope.type}(${scope.class})`;
      const allowed = new Set<string>();
      for (const entry of entries) {
        if ((entry.type === '*' || entry.type === type) && entry.name.exec(scope.name, NO_VALUES, {}) !== null) {
          for (const action of entry.actions) allowed.add(action);
        }
      }
      if (allowed.has('*')) return granted;
      // A granted "*" (the client asked for "*" and a rule allows everything) becomes what the cap allows.
      if (granted.includes('*')) return [...allowed];
      return granted.filter((action) => allowed.has(action));
    },
  };
}
