import { isDeepStrictEqual } from 'node:util';
import { matchesTokenRef } from '../authn/api-token.js';
import { formatTokenTime } from './api-token-expiry.js';
import { parseYamlDocument } from './yaml-document.js';

/**
 * Text-level edits of the API tokens file that keep everything else as it was: comments, blank
 * lines, the other entries as written, their order and the line endings. An operator may keep
 * notes in the file; rewriting it from parsed YAML would lose them.
 */

/** An entry to append, as `api-token create` builds it. */
export interface NewApiToken {
  readonly id: string;
  readonly account: string;
  readonly name: string;
  readonly robot: boolean;
  readonly hash: string;
  /** Undefined: no cap beyond the ACL. */
  readonly scopes: readonly string[] | undefined;
  readonly groups: readonly string[];
  /** Epoch seconds; undefined: never. */
  readonly expires: number | undefined;
  readonly created: number;
  readonly comment: string | undefined;
}

export const API_TOKENS_HEADER = [
  "# purser's API tokens (PURSER_API_TOKENS). Each entry keeps the SHA-256 of its secret, never the secret.",
  '# Add one with `purser api-token create`, remove one with `purser api-token revoke`; a running purser',
  '# reloads this file by itself.',
  '',
].join('\n');

/** Appends the entry at the end, after a blank line, indented like the file's other entries. */
export function appendApiToken(text: string, entry: NewApiToken): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  // An empty flow list ("[]") cannot be followed by block items: the entries replace it.
  const lines = (text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/)).filter((line) => !/^\s*\[\s*\]\s*(?:#.*)?$/.test(line));
  const indent = lines.map((line) => /^(\s*)-(?:\s|$)/.exec(line)?.[1]).find((found) => found !== undefined) ?? '';
  if (lines.length > 0 && lines[lines.length - 1]?.trim() !== '') lines.push('');
  for (const line of formatApiToken(entry)) lines.push(`${indent}${line}`);
  return `${lines.join(eol)}${eol}`;
}

/** The entry's lines, keys in the file's documented order. */
export function formatApiToken(entry: NewApiToken): string[] {
  const lines = [`id: ${scalar(entry.id)}`, `account: ${scalar(entry.account)}`, `name: ${scalar(entry.name)}`];
  if (entry.robot) lines.push('robot: true');
  lines.push(`hash: ${entry.hash}`);
  if (entry.scopes !== undefined) lines.push(`scopes: [${entry.scopes.map(quoted).join(', ')}]`);
  if (entry.groups.length > 0) lines.push(`groups: [${entry.groups.map(scalar).join(', ')}]`);
  lines.push(`expires: ${entry.expires === undefined ? 'never' : formatTokenTime(entry.expires)}`);
  lines.push(`created: ${formatTokenTime(entry.created)}`);
  if (entry.comment !== undefined) lines.push(`comment: ${scalar(entry.comment)}`);
  return lines.map((line, i) => (i === 0 ? `- ${line}` : `  ${line}`));
}

export type Removal =
  | { readonly kind: 'removed'; readonly text: string; readonly entry: { readonly id: string; readonly account: string; readonly name: string } }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'ambiguous'; readonly count: number };

/**
 * Removes the one entry named by `ref` (an id, or ACCOUNT/NAME): its lines from its `- ` to its last
 * line, with the comments indented inside it. Comments at the list's own indentation after it are
 * kept (they are more likely the next entry's). The file need not be valid otherwise, so that a
 * token can be revoked from a file purser currently refuses; its YAML must parse. Throws when the
 * result would change any other entry, which a text edit must never do.
 */
export function removeApiToken(text: string, file: string, ref: string): Removal {
  const doc = parseYamlDocument(text, file);
  const root = Array.isArray(doc.value) ? (doc.value as unknown[]) : [];
  const matches = root.flatMap((node, index) => (isMapping(node) && matchesTokenRef(node, ref) ? [index] : []));
  if (matches.length === 0) return { kind: 'not-found' };
  if (matches.length > 1) return { kind: 'ambiguous', count: matches.length };
  const index = matches[0] as number;
  const lines = text.split('\n');
  const start = itemStart(lines, doc.lineOf(root[index]));
  let end = index + 1 < root.length ? itemStart(lines, doc.lineOf(root[index + 1])) : lines.length;
  const indent = indentOf(lines[start] ?? '');
  const isTrailer = (line: string) => line.trim() === '' || (line.trim().startsWith('#') && indentOf(line) <= indent);
  while (end > start + 1 && isTrailer(lines[end - 1] ?? '')) end--;
  lines.splice(start, end - start);
  // Entries are separated by one blank line; removing one must not leave two.
  if (start > 0 && (lines[start - 1] ?? '').trim() === '' && (start >= lines.length || (lines[start] ?? '').trim() === '')) lines.splice(start - 1, 1);
  const next = lines.join('\n');
  const after = parseYamlDocument(next, file).value;
  const rest = root.filter((_, i) => i !== index);
  if (!isDeepStrictEqual(Array.isArray(after) ? after : [], rest)) {
    throw new Error(`cannot remove ${ref} from ${file} without changing other entries; remove its lines by hand`);
  }
  const entry = root[index] as Record<string, unknown>;
  return { kind: 'removed', text: next, entry: { id: String(entry.id), account: String(entry.account), name: String(entry.name) } };
}

/** 0-based line of a list item's "-": lineOf gives the first line of the mapping, which may follow a "-" alone on its line. */
function itemStart(lines: readonly string[], line: number | undefined): number {
  if (line === undefined) throw new Error('the tokens file has an entry whose position is unknown');
  let i = line - 1;
  if (/^\s*-(?:\s|$)/.test(lines[i] ?? '')) return i;
  for (i -= 1; i >= 0; i--) {
    const text = (lines[i] ?? '').trim();
    if (/^-\s*(?:#.*)?$/.test(text)) return i;
    if (text !== '' && !text.startsWith('#')) break;
  }
  throw new Error(`cannot find where the entry on line ${line} begins`);
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function isMapping(node: unknown): node is Record<string, unknown> {
  return node !== null && typeof node === 'object' && !Array.isArray(node);
}

/**
 * Plain where YAML reads it back as the same string: it starts with a letter (so it is no number, date
 * or indicator), holds no ":", "#" or ",", ends in no space and is no keyword. Quoted otherwise.
 */
function scalar(value: string): string {
  const plain = /^[A-Za-z_](?:[A-Za-z0-9_./@+'() -]*[A-Za-z0-9_./@+'()-])?$/.test(value) && !/^(?:true|false|null|yes|no|on|off|y|n)$/i.test(value);
  return plain ? value : quoted(value);
}

/** A JSON string is a YAML double-quoted scalar; characters YAML does not allow raw are escaped too. */
function quoted(value: string): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
