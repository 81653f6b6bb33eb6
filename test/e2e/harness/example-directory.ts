import { createHash, randomBytes } from 'node:crypto';
import type { LdifEntry } from './ldif.js';

/**
 * The directory the LDAP tests run against, as LDIF entries for startSlapd:
 *
 *   dc=example,dc=org
 *     ou=services   cn=purser: the service account purser searches as
 *     ou=people     inetOrgPerson users, each with uid and a password
 *     ou=groups     groupOfNames groups with member DNs (the memberof overlay keeps each user's
 *                   memberOf in step), and one posixGroup with memberUid names
 *
 * alice is in developers; carol in developers and ops; bob in nothing; erin and frank in developers
 * (tests take erin out of it and delete frank); dora also has an htpasswd entry of her own; gina's
 * DN holds the characters an LDAP filter must escape.
 */
export const BASE_DN = 'dc=example,dc=org';
export const PEOPLE_DN = `ou=people,${BASE_DN}`;
export const GROUPS_DN = `ou=groups,${BASE_DN}`;
export const SERVICES_DN = `ou=services,${BASE_DN}`;

export const SERVICE_ACCOUNT = { dn: `cn=purser,${SERVICES_DN}`, password: 'purser-service-secret' } as const;

export interface DirectoryUser {
  readonly uid: string;
  readonly dn: string;
  readonly password: string;
}

const user = (uid: string, rdn = `uid=${uid}`): DirectoryUser => ({ uid, dn: `${rdn},${PEOPLE_DN}`, password: `${uid}-directory-pw` });

export const DIRECTORY_USERS = {
  alice: user('alice'),
  bob: user('bob'),
  carol: user('carol'),
  dora: user('dora'),
  erin: user('erin'),
  frank: user('frank'),
  gina: user('gina', 'cn=Gina (QA)*'),
} as const;
export type DirectoryUserName = keyof typeof DIRECTORY_USERS;

/** groupOfNames groups and their members. */
export const GROUPS_OF_NAMES: Readonly<Record<string, readonly DirectoryUserName[]>> = {
  developers: ['alice', 'carol', 'dora', 'erin', 'frank'],
  ops: ['carol'],
  qa: ['gina'],
};

/** posixGroup groups (RFC 2307) and their memberUid names: for `(memberUid={username})`. */
export const POSIX_GROUPS: Readonly<Record<string, readonly DirectoryUserName[]>> = {
  builders: ['alice'],
};

export const groupDn = (cn: string): string => `cn=${cn},${GROUPS_DN}`;

/** Every entry of the example directory, parents first. */
export function exampleDirectory(): LdifEntry[] {
  const ou = (name: string): LdifEntry => ({ dn: `ou=${name},${BASE_DN}`, attributes: { objectClass: 'organizationalUnit', ou: name } });
  const entries: LdifEntry[] = [
    { dn: BASE_DN, attributes: { objectClass: ['dcObject', 'organization'], dc: 'example', o: 'Example' } },
    ou('services'),
    ou('people'),
    ou('groups'),
    {
      dn: SERVICE_ACCOUNT.dn,
      attributes: { objectClass: ['applicationProcess', 'simpleSecurityObject'], cn: 'purser', userPassword: ssha(SERVICE_ACCOUNT.password) },
    },
  ];
  for (const person of Object.values(DIRECTORY_USERS)) entries.push(personEntry(person));
  for (const [cn, members] of Object.entries(GROUPS_OF_NAMES)) {
    entries.push({ dn: groupDn(cn), attributes: { objectClass: 'groupOfNames', cn, member: members.map((name) => DIRECTORY_USERS[name].dn) } });
  }
  let gid = 5000;
  for (const [cn, members] of Object.entries(POSIX_GROUPS)) {
    entries.push({ dn: groupDn(cn), attributes: { objectClass: 'posixGroup', cn, gidNumber: String(gid++), memberUid: [...members] } });
  }
  return entries;
}

/** An inetOrgPerson entry for `person`, its password stored as {SSHA}. */
export function personEntry(person: DirectoryUser): LdifEntry {
  const cn = person.dn.startsWith('cn=') ? person.dn.slice(3, person.dn.indexOf(',')) : person.uid;
  return {
    dn: person.dn,
    attributes: { objectClass: 'inetOrgPerson', uid: person.uid, cn, sn: person.uid, userPassword: ssha(person.password) },
  };
}

/** OpenLDAP's salted SHA-1 password scheme: {SSHA}base64(sha1(password + salt) + salt). */
export function ssha(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password, 'utf8').update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}
