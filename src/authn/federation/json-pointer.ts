/**
 * Reads a value by JSON Pointer (RFC 6901): `/kubernetes.io/namespace` is the `namespace` member
 * of the `kubernetes.io` member. `~1` is `/` and `~0` is `~`. Only own members of plain objects
 * (and array indexes) are followed, so `__proto__` and the like read nothing.
 */
export function readPointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  if (!pointer.startsWith('/')) return undefined;
  let current = document;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(current) && /^(0|[1-9][0-9]*)$/.test(key)) current = current[Number(key)];
    else if (current !== null && typeof current === 'object' && !Array.isArray(current) && Object.hasOwn(current, key)) current = (current as Record<string, unknown>)[key];
    else return undefined;
  }
  return current;
}

/** A claim by name (`repository`) or, when it starts with `/`, by JSON Pointer. */
export function readClaim(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  if (name.startsWith('/')) return readPointer(claims, name);
  return Object.hasOwn(claims, name) ? claims[name] : undefined;
}
