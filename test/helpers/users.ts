import bcrypt from 'bcrypt';

/** htpasswd text for {name: password}, hashed at cost 4 (fast) unless a cost is given. */
export function htpasswdFor(users: Readonly<Record<string, string>>, cost = 4): string {
  return Object.entries(users)
    .map(([name, password]) => `${name}:${bcrypt.hashSync(password, cost).replace(/^\$2b\$/, '$2y$')}`)
    .join('\n');
}
