import type { Scope } from '../auth.js';
import { InvalidScopeError } from '../errors.js';

// Grammar from distribution docs/spec/auth/scope.md:
//   resourcescope := resourcetype ":" resourcename ":" action [ ',' action ]*
//   resourcetype  := resourcetypevalue [ '(' resourcetypevalue ')' ]     resourcetypevalue := /[a-z0-9]+/
//   resourcename  := [ hostname '/' ] component [ '/' component ]*
//   hostname      := hostcomponent ['.' hostcomponent]* [':' port-number]
//   component     := alpha-numeric [ separator alpha-numeric ]*          separator := /[_.]|__|[-]*/
// The type ends at the first ':' and the actions start after the last one, so a name may carry a
// registry host and port (`localhost:5000/team/app`).
const TYPE = /^([a-z0-9]+)(?:\(([a-z0-9]+)\))?$/;
const HOST_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = `${HOST_COMPONENT}(?:\\.${HOST_COMPONENT})*(?::[0-9]+)?`;
// The spec's `[-]*` is written `-+`: an empty separator only joins two alphanumeric runs into one,
// so the language is the same, and no quantifier nests inside another. With `-*`, V8 backtracked
// exponentially on an invalid name (`aaa…a!`): 28 characters took 3 s, from an anonymous request.
const COMPONENT = '[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^(?:${HOST}/)?${COMPONENT}(?:/${COMPONENT})*$`);
const ACTION = /^(?:[a-z]+|\*)$/;

/** distribution's reference.NameTotalLengthMax. */
export const MAX_NAME_LENGTH = 255;
export const MAX_SCOPE_LENGTH = 512;
export const MAX_SCOPES = 32;

export function parseScope(raw: string): Scope {
  const bad = (why: string): InvalidScopeError =>
    new InvalidScopeError(`invalid scope ${JSON.stringify(clip(raw))}: ${why}`);
  if (raw.length > MAX_SCOPE_LENGTH) throw bad(`longer than ${MAX_SCOPE_LENGTH} characters`);
  const first = raw.indexOf(':');
  const last = raw.lastIndexOf(':');
  if (first < 0 || first === last) throw bad('expected type:name:actions');

  const typeMatch = TYPE.exec(raw.slice(0, first));
  if (!typeMatch) throw bad('the resource type must be lowercase letters and digits, optionally with a (class)');
  const name = raw.slice(first + 1, last);
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || !NAME.test(name)) {
    throw bad('the resource name is not a valid repository name');
  }
  const actions: string[] = [];
  for (const action of raw.slice(last + 1).split(',')) {
    if (!ACTION.test(action)) throw bad(`action ${JSON.stringify(clip(action))} is not lowercase letters or "*"`);
    if (!actions.includes(action)) actions.push(action);
  }
  const [, type = '', klass] = typeMatch;
  return klass === undefined ? { type, name, actions } : { type, class: klass, name, actions };
}

/**
 * Parses every `scope` value of a request. Each value may hold several scopes separated by spaces
 * (token.md); a resource named twice has its actions merged, so the token carries one entry for it.
 */
export function parseScopes(values: readonly string[]): Scope[] {
  const byResource = new Map<string, { type: string; class?: string; name: string; actions: string[] }>();
  for (const value of values) {
    for (const raw of value.split(' ')) {
      if (raw === '') continue;
      const scope = parseScope(raw);
      const key = `${scope.type}(${scope.class ?? ''}):${scope.name}`;
      const seen = byResource.get(key);
      if (seen) {
        for (const action of scope.actions) if (!seen.actions.includes(action)) seen.actions.push(action);
        continue;
      }
      if (byResource.size === MAX_SCOPES) {
        throw new InvalidScopeError(`too many scopes: at most ${MAX_SCOPES} resources per request`);
      }
      byResource.set(key, { ...scope, actions: [...scope.actions] });
    }
  }
  return [...byResource.values()];
}

/** `type[(class)]:name:actions`, the wire form of a scope. */
export function formatScope(scope: Scope, actions: readonly string[] = scope.actions): string {
  const type = scope.class === undefined ? scope.type : `${scope.type}(${scope.class})`;
  return `${type}:${scope.name}:${actions.join(',')}`;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
