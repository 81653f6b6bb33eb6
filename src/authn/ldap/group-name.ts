/**
 * The label a directory group becomes: the value of `attribute` (default `cn`) in the first RDN of
 * its DN, so `cn=developers,ou=groups,dc=example,dc=org` is `developers`. A DN whose first RDN is of
 * another type (or that cannot be read) is kept whole, so nothing is silently merged.
 */
export function groupNameFromDn(dn: string, attribute: string): string {
  const rdn = firstRdn(dn);
  if (rdn === undefined) return dn;
  const eq = rdn.indexOf('=');
  if (eq < 0 || rdn.slice(0, eq).trim().toLowerCase() !== attribute.toLowerCase()) return dn;
  const value = unescapeDnValue(rdn.slice(eq + 1).trim());
  return value === '' ? dn : value;
}

/** The first RDN, up to the first unescaped `,`; a multi-valued RDN (`+`) is not a simple name. */
function firstRdn(dn: string): string | undefined {
  let escaped = false;
  for (let i = 0; i < dn.length; i++) {
    const ch = dn[i];
    if (escaped) escaped = false;
    else if (ch === '\\') escaped = true;
    else if (ch === '+') return undefined;
    else if (ch === ',') return dn.slice(0, i);
  }
  return dn;
}

/** RFC 4514 escapes: `\,` and the like, and `\xx` hex pairs (UTF-8 bytes). */
function unescapeDnValue(value: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch === '\\' && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (ch === '\\' && i + 1 < value.length) {
      bytes.push(...Buffer.from(value[++i] as string));
    } else {
      bytes.push(...Buffer.from(ch));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
