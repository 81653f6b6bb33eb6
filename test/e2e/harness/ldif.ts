/** One directory entry: its DN and its attributes, each with one value or several. */
export interface LdifEntry {
  readonly dn: string;
  readonly attributes: Readonly<Record<string, string | readonly string[]>>;
}

/** One change of an LDIF modify record (RFC 2849 `changetype: modify`). */
export interface LdifChange {
  readonly op: 'add' | 'replace' | 'delete';
  readonly attribute: string;
  /** For delete: the values to remove; none removes the attribute. */
  readonly values?: readonly string[];
}

/**
 * `name: value`, or `name:: BASE64` when the value is not an RFC 2849 SAFE-STRING (it starts with a
 * space, a colon or "<", ends with a space, or holds NUL, CR, LF or anything outside ASCII).
 */
export function ldifLine(name: string, value: string): string {
  const unsafe = /^[ :<]|[\0\r\n\u0080-\uffff]| $/.test(value);
  return unsafe ? `${name}:: ${Buffer.from(value, 'utf8').toString('base64')}` : `${name}: ${value}`;
}

/** Content records, one per entry, for ldapadd. */
export function toLdif(entries: readonly LdifEntry[]): string {
  return entries.map((entry) => record(entry.dn, attributeLines(entry.attributes))).join('\n');
}

/** A change record adding `entry`, for ldapmodify. */
export function addLdif(entry: LdifEntry): string {
  return record(entry.dn, ['changetype: add', ...attributeLines(entry.attributes)]);
}

/** A change record modifying `dn`: each change, ended by "-". */
export function modifyLdif(dn: string, changes: readonly LdifChange[]): string {
  const lines = ['changetype: modify'];
  for (const change of changes) {
    lines.push(`${change.op}: ${change.attribute}`);
    for (const value of change.values ?? []) lines.push(ldifLine(change.attribute, value));
    lines.push('-');
  }
  return record(dn, lines);
}

/** A change record deleting `dn`. */
export function deleteLdif(dn: string): string {
  return record(dn, ['changetype: delete']);
}

function attributeLines(attributes: LdifEntry['attributes']): string[] {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(attributes)) {
    for (const one of typeof value === 'string' ? [value] : value) lines.push(ldifLine(name, one));
  }
  return lines;
}

function record(dn: string, lines: readonly string[]): string {
  return `${[ldifLine('dn', dn), ...lines].join('\n')}\n`;
}
