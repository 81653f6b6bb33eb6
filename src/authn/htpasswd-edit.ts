import { SLASH_IN_USER_NAME } from './htpasswd.js';

/**
 * Line-level edits of htpasswd text that keep everything else as it was: comments, blank lines,
 * other users (whatever their hash format), the order and the line endings.
 */

export function userLineIndex(lines: readonly string[], name: string): number {
  return lines.findIndex((line) => line.replace(/\r$/, '').split(':', 1)[0] === name && line.includes(':') && !line.trimStart().startsWith('#'));
}

/** Adds the user at the end, or replaces its hash where it is. */
export function setUserHash(text: string, name: string, hash: string): { text: string; added: boolean } {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
  const index = userLineIndex(lines, name);
  if (index >= 0) lines[index] = `${name}:${hash}`;
  else lines.push(`${name}:${hash}`);
  return { text: `${lines.join(eol)}${eol}`, added: index < 0 };
}

/** Removes the user's line; returns undefined if the user is not there. */
export function removeUser(text: string, name: string): string | undefined {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  const index = userLineIndex(lines, name);
  if (index < 0) return undefined;
  lines.splice(index, 1);
  return lines.length === 0 ? '' : `${lines.join(eol)}${eol}`;
}

/** A user name htpasswd can hold and purser accepts: what `user add` and `user passwd` allow. */
export function checkUserName(name: string): string | undefined {
  return checkHtpasswdName(name) ?? (name.includes('/') ? SLASH_IN_USER_NAME : undefined);
}

/**
 * A user name htpasswd can hold, whether or not purser would load it: what `user del` allows, so
 * that it can remove a line (a name with "/") that stops purser from loading the file.
 */
export function checkHtpasswdName(name: string): string | undefined {
  if (name === '') return 'the user name is empty';
  if (name.includes(':')) return 'a user name cannot contain ":"';
  if (name !== name.trim() || /[\s\p{Cc}]/u.test(name)) return 'a user name cannot contain spaces or control characters';
  if (name.startsWith('#')) return 'a user name cannot start with "#" (it would read as a comment)';
  if (name.length > 255) return 'the user name is longer than 255 characters';
  return undefined;
}
