/**
 * Escapes a value for an LDAP search filter (RFC 4515 section 3): `*`, `(`, `)`, `\` and NUL
 * become `\2a`, `\28`, `\29`, `\5c` and `\00`, so a user name like `*` or `a)(uid=*` matches only
 * itself. Everything else, UTF-8 included, is allowed as it is.
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (ch) => `\\${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Fills `{username}` and `{dn}` in a filter template, each escaped. */
export function fillFilter(template: string, values: { readonly username?: string; readonly dn?: string }): string {
  return template.replace(/\{(username|dn)\}/g, (_whole, name: 'username' | 'dn') => escapeFilterValue(values[name] ?? ''));
}

/** A problem with a filter template, or undefined: it must be parenthesised and name what it needs. */
export function checkFilterTemplate(template: string, needs: readonly string[]): string | undefined {
  if (!template.startsWith('(') || !template.endsWith(')')) return 'must be an LDAP filter in parentheses, e.g. (uid={username})';
  let depth = 0;
  for (const ch of template.replace(/\\./g, '')) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return 'has unbalanced parentheses';
  }
  if (depth !== 0) return 'has unbalanced parentheses';
  if (!needs.some((name) => template.includes(`{${name}}`))) return `must contain ${needs.map((n) => `{${n}}`).join(' or ')}`;
  return undefined;
}
