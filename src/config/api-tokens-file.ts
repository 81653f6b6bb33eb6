import { apiTokenSet, type ApiToken, type ApiTokenSet } from '../authn/api-token.js';
import { compileScopeCap } from '../authz/scope-cap.js';
import type { ConfigIssue } from '../errors.js';
import type { YamlDocument } from './yaml-document.js';

const KEYS = ['id', 'account', 'name', 'robot', 'hash', 'scopes', 'groups', 'expires', 'created', 'comment'];
const ID = /^[a-z0-9_-]{6,64}$/;
const HASH = /^sha256:[0-9a-f]{64}$/;
const ACCOUNT_FORBIDDEN = /[\s\p{Cc}:/]/u;
/** RFC 3339 date-time with a zone: 2026-12-01T09:00:00Z or +01:00. */
export const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/i;

/**
 * Validates the API tokens file: a list of entries (an empty file is no tokens). Every problem is
 * reported with the entry's index, the field and its line; an unknown key is an error, since a
 * misspelt `scopes` would otherwise silently lift a token's cap.
 */
export function parseApiTokens(doc: YamlDocument): { tokens: ApiTokenSet | undefined; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const root = doc.value ?? [];
  if (!Array.isArray(root)) {
    issues.push({ file: doc.file, path: '', message: 'must be a list of API tokens' });
    return { tokens: undefined, issues };
  }
  const entries: ApiToken[] = [];
  const seen = { ids: new Map<string, number>(), hashes: new Map<string, number>(), names: new Map<string, number>() };
  root.forEach((node: unknown, index) => {
    const fail = (field: string, message: string): void => {
      const line = doc.lineOf(node, field || undefined);
      const path = `[${index}]${field ? `.${field}` : ''}`;
      issues.push(line === undefined ? { file: doc.file, path, message } : { file: doc.file, path, line, message });
    };
    const entry = parseEntry(node, fail, doc.lineOf(node));
    if (entry === undefined) return;
    const unique = (map: Map<string, number>, key: string, field: string, what: string): void => {
      const earlier = map.get(key);
      if (earlier !== undefined) fail(field, `${what} as entry [${earlier}]`);
      else map.set(key, index);
    };
    unique(seen.ids, entry.id, 'id', 'the same id');
    unique(seen.hashes, entry.hash, 'hash', 'the same secret');
    unique(seen.names, `${entry.account}\0${entry.name}`, 'name', `account ${JSON.stringify(entry.account)} already has a token with this name`);
    entries.push(entry);
  });
  return issues.length > 0 ? { tokens: undefined, issues } : { tokens: apiTokenSet(entries), issues };
}

function parseEntry(node: unknown, fail: (field: string, message: string) => void, line: number | undefined): ApiToken | undefined {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) {
    fail('', 'an API token must be a mapping');
    return undefined;
  }
  const e = node as Record<string, unknown>;
  let ok = true;
  const bad = (field: string, message: string): undefined => {
    ok = false;
    fail(field, message);
    return undefined;
  };
  for (const key of Object.keys(e)) if (!KEYS.includes(key)) bad(key, `unknown key; an API token has ${KEYS.join(', ')}`);
  const text = (field: string, required: boolean): string | undefined => {
    const value = e[field];
    if (value === undefined || value === null) return required ? bad(field, 'is required') : undefined;
    if (typeof value !== 'string' || value === '') return bad(field, 'must be a non-empty string');
    return value;
  };
  const strings = (field: string): string[] | undefined => {
    const value = e[field];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) return bad(field, 'must be a list of strings');
    return value as string[];
  };
  const id = text('id', true);
  if (id !== undefined && !ID.test(id)) bad('id', 'must be 6 to 64 lowercase letters, digits, "_" or "-"');
  const account = text('account', true);
  const accountProblem = account === undefined ? undefined : checkTokenAccount(account);
  if (accountProblem !== undefined) bad('account', accountProblem);
  const name = text('name', true);
  const hash = text('hash', true);
  if (hash !== undefined && !HASH.test(hash)) bad('hash', 'must be sha256: and 64 lowercase hex digits (the SHA-256 of the secret)');
  if (e.robot !== undefined && typeof e.robot !== 'boolean') bad('robot', 'must be true or false');
  const robot = e.robot === true;
  const scopes = strings('scopes');
  let cap;
  if (scopes !== undefined) {
    if (scopes.length === 0) bad('scopes', 'must list at least one scope pattern; leave it out for no cap');
    try {
      cap = compileScopeCap(scopes);
    } catch (err) {
      bad('scopes', (err as Error).message);
    }
  }
  const groups = strings('groups') ?? [];
  if (groups.length > 0 && !robot) bad('groups', "only a robot's token has groups; a personal token has its user's");
  const expires = time(e.expires, 'expires', true, bad);
  const created = time(e.created, 'created', false, bad);
  const comment = text('comment', false);
  if (!ok || id === undefined || account === undefined || name === undefined || hash === undefined || typeof created !== "number" || expires === null) return undefined;
  return { id, account, name, robot, hash, scopes, cap, groups, expires, created, comment, line };
}

/**
 * What an API token's account may be called. "/" would let `${account}/**` rules reach into another
 * namespace, ":" cannot pass through HTTP Basic, and spaces or control characters are mistakes.
 */
export function checkTokenAccount(account: string): string | undefined {
  if (account === '') return 'must be a non-empty string';
  return ACCOUNT_FORBIDDEN.test(account) ? 'cannot contain spaces, control characters, ":" or "/"' : undefined;
}

/** RFC 3339 (js-yaml may already have made a Date of it), or `never` where allowed; null when invalid. */
function time(value: unknown, field: string, neverAllowed: boolean, bad: (field: string, message: string) => undefined): number | undefined | null {
  if (value === undefined) {
    bad(field, neverAllowed ? 'is required (an RFC 3339 time, or never)' : 'is required (an RFC 3339 time)');
    return null;
  }
  if (neverAllowed && value === 'never') return undefined;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' && RFC3339.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    bad(field, `must be an RFC 3339 time such as 2027-01-31T00:00:00Z${neverAllowed ? ', or never' : ''}`);
    return null;
  }
  return Math.floor(ms / 1000);
}
