import bcrypt from 'bcrypt';

const hashes = new Map<string, string>();

/**
 * htpasswd text for {name: password}, hashed at cost 4 (fast) unless a cost is given. Each
 * (name, password, cost) is hashed once per test process, so rebuilding a snapshot keeps its users
 * unchanged, as re-reading an unchanged file would; a new password gives a new hash.
 */
export function htpasswdFor(users: Readonly<Record<string, string>>, cost = 4): string {
  return Object.entries(users)
    .map(([name, password]) => {
      const key = `${name}\0${password}\0${cost}`;
      let hash = hashes.get(key);
      if (hash === undefined) {
        hash = bcrypt.hashSync(password, cost).replace(/^\$2b\$/, '$2y$');
        hashes.set(key, hash);
      }
      return `${name}:${hash}`;
    })
    .join('\n');
}
