import bcrypt from 'bcrypt';

/**
 * A bcrypt hash as `htpasswd -B` writes it (`$2y$`). The bcrypt package makes `$2b$`, which is the
 * same algorithm; purser reads all three prefixes.
 */
export async function htpasswdHash(password: string, cost: number): Promise<string> {
  return (await bcrypt.hash(password, cost)).replace(/^\$2b\$/, '$2y$');
}

/**
 * users.htpasswd text giving every name the same hash. Verifying still costs one bcrypt run per
 * user on its first request: purser checks (and caches) each user name and password on its own.
 */
export function htpasswdText(names: Iterable<string>, hash: string): string {
  const lines: string[] = [];
  for (const name of names) lines.push(`${name}:${hash}`);
  return `${lines.join('\n')}\n`;
}
