import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { largeAcl, smallAcl } from './acl-fixture.js';
import { htpasswdText } from './htpasswd-fixture.js';
import type { BenchRequest, RequestSource } from './load.js';
import type { ScenarioName } from './options.js';
import type { KeyAndCertificate } from '../src/certs/signing-certificate.js';
import { generateSecret, hashSecret } from '../src/authn/api-token-secret.js';

export const BENCH_USER = 'bench-user';
export const BENCH_PASSWORD = 'bench-password';
const SERVICE = 'Docker%20registry';

/** What run.ts hands every scenario. */
export interface ScenarioContext {
  /** The hash of BENCH_PASSWORD at cost 10, `$2y$`, made once per run. */
  readonly hash: string;
  /** How many distinct users the distinct-users scenario needs so that none logs in twice. */
  readonly distinctUsers: number;
  /** One RSA signing key and certificate for every scenario, so no server start spends time making one. */
  readonly signing: KeyAndCertificate;
  /** One P-256 key and certificate for the ES256 scenario. */
  readonly es256: KeyAndCertificate;
}

/** A scenario's files written and its traffic ready. */
export interface PreparedScenario {
  readonly users: number;
  readonly rules: number;
  readonly source: RequestSource;
  /** For varying credentials: users handed out so far, and how many of those were repeats. */
  readonly credentials?: () => { readonly drawn: number; readonly repeats: number };
  /** Extra PURSER_* settings for this scenario's server. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface Scenario {
  readonly name: ScenarioName;
  readonly title: string;
  /** Exactly what the scenario sends and what the server has to do for it. */
  readonly does: string;
  /** The limit the scenario's rate is set against in the targets. */
  readonly limit: 'RS256' | 'bcrypt';
  /** The algorithm of the key the server signs with (the signature share is taken against it). */
  readonly alg: 'RS256' | 'ES256';
  /** Writes acl.yml, users.htpasswd and certs/token.{key,crt} into `dir`. */
  prepare(dir: string, context: ScenarioContext): Promise<PreparedScenario>;
}

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const pullPush = (user: string): string => `/auth?service=${SERVICE}&scope=repository:${user}/app:pull,push`;

/** alice, bob, carol ... plus the benchmark user: the users of the small installation. */
const SMALL_USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', BENCH_USER];

async function writeFiles(dir: string, context: ScenarioContext, acl: string, htpasswd: string, signing = context.signing): Promise<void> {
  await writeFile(join(dir, 'acl.yml'), acl);
  await writeFile(join(dir, 'users.htpasswd'), htpasswd);
  await mkdir(join(dir, 'certs'));
  await writeFile(join(dir, 'certs', 'token.key'), signing.keyPem, { mode: 0o600 });
  await writeFile(join(dir, 'certs', 'token.crt'), signing.certPem);
}

/** The small installation (10-rule ACL) with the given users, serving requests from `source`. */
async function prepareSmall(dir: string, context: ScenarioContext, users: readonly string[], source: RequestSource): Promise<PreparedScenario> {
  const acl = smallAcl(BENCH_USER, ['bob', BENCH_USER]);
  await writeFiles(dir, context, acl.text, htpasswdText(users, context.hash));
  return { users: users.length, rules: acl.rules, source };
}

const repeatRequest: BenchRequest = { path: pullPush(BENCH_USER), headers: { authorization: basic(BENCH_USER, BENCH_PASSWORD) } };

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'anonymous',
    title: 'anonymous pull',
    does:
      'GET /auth with no Authorization header for repository:public/app:pull; 10-rule ACL, decided by rule 8 ' +
      '(public/**); no bcrypt; every request signs an RS256 token.',
    limit: 'RS256',
    alg: 'RS256',
    prepare: (dir, context) =>
      prepareSmall(dir, context, SMALL_USERS, { fixed: { path: `/auth?service=${SERVICE}&scope=repository:public/app:pull`, headers: {} } }),
  },
  {
    name: 'repeat',
    title: 'repeat credentials, 10 rules',
    does:
      `GET /auth as ${BENCH_USER} (bcrypt cost 10) with the same password on every request, for repository:${BENCH_USER}/app:pull,push; ` +
      '10 users, 10-rule ACL, decided by rule 5 (its own). The first request runs bcrypt; the rest are ' +
      'answered from the verified-credential cache (PURSER_AUTH_CACHE_TTL, 60 s); every request signs an RS256 token.',
    limit: 'RS256',
    alg: 'RS256',
    prepare: (dir, context) => prepareSmall(dir, context, SMALL_USERS, { fixed: repeatRequest }),
  },
  {
    name: 'distinct',
    title: 'distinct users, cost 10',
    does:
      'GET /auth as a different user on every request (login-000000, login-000001, ...; warm-up included), each for ' +
      'repository:<user>/app:pull,push; the users are distinct names that share one cost-10 hash string, which purser ' +
      'still verifies (and caches) per user and password, so every request runs one bcrypt comparison and signs an RS256 token; ' +
      '10-rule ACL, decided by rule 6 (${account}/**).',
    limit: 'bcrypt',
    alg: 'RS256',
    async prepare(dir, context) {
      const names = Array.from({ length: context.distinctUsers }, (_, i) => `login-${String(i).padStart(6, '0')}`);
      let drawn = 0;
      const prepared = await prepareSmall(dir, context, names, {
        next: () => {
          const user = names[drawn % names.length] as string;
          drawn++;
          return { path: pullPush(user), headers: { authorization: basic(user, BENCH_PASSWORD) } };
        },
      });
      return { ...prepared, credentials: () => ({ drawn, repeats: Math.max(0, drawn - names.length) }) };
    },
  },
  {
    name: 'acl-1000',
    title: 'repeat credentials, 1,000 rules, 10,000 users',
    does:
      `The repeat-credentials request (${BENCH_USER}, same password, repository:${BENCH_USER}/app:pull,push) against a ` +
      '1,000-rule ACL (100 teams of 100 users as groups; 20 network, service-account, quarantine and mirror rules; ' +
      '250 team rules by group label; 718 per-user rules for other users; then the requester\'s own rule at index 990; ' +
      'then 9 generic rules) and 10,000 users sharing one cost-10 hash string.',
    limit: 'RS256',
    alg: 'RS256',
    async prepare(dir, context) {
      const { hash } = context;
      const names = Array.from({ length: 9_999 }, (_, i) => `user-${String(i).padStart(5, '0')}`);
      names.splice(5_000, 0, BENCH_USER);
      const acl = largeAcl(names, BENCH_USER);
      await writeFiles(dir, context, acl.text, htpasswdText(names, hash));
      return { users: names.length, rules: acl.rules, source: { fixed: repeatRequest } };
    },
  },
  {
    name: 'api-token',
    title: 'API token',
    does:
      `GET /auth as ${BENCH_USER} with a personal API token (api-tokens.yml, sha256 hash, expires: never) as the password, ` +
      `for repository:${BENCH_USER}/app:pull,push; no bcrypt; 10-rule ACL, decided by rule 5; every request signs an RS256 token.`,
    limit: 'RS256',
    alg: 'RS256',
    async prepare(dir, context) {
      const secret = generateSecret();
      const tokens =
        `- id: tok_0123456789ab\n  account: ${BENCH_USER}\n  name: bench\n  hash: ${hashSecret(secret)}\n` +
        '  expires: never\n  created: 2026-12-01T00:00:00Z\n';
      await writeFile(join(dir, 'api-tokens.yml'), tokens);
      return prepareSmall(dir, context, SMALL_USERS, {
        fixed: { path: pullPush(BENCH_USER), headers: { authorization: basic(BENCH_USER, secret) } },
      });
    },
  },
  {
    name: 'es256',
    title: 'repeat credentials, ES256 key',
    does: 'The repeat-credentials request against a server whose signing key is EC P-256 (as `purser certs init --alg ES256` makes): every request signs an ES256 token.',
    limit: 'RS256',
    alg: 'ES256',
    async prepare(dir, context) {
      const acl = smallAcl(BENCH_USER, ['bob', BENCH_USER]);
      await writeFiles(dir, context, acl.text, htpasswdText(SMALL_USERS, context.hash), context.es256);
      return { users: SMALL_USERS.length, rules: acl.rules, source: { fixed: repeatRequest } };
    },
  },
  {
    name: 'reuse',
    title: 'fleet asking one grant, PURSER_GRANT_REUSE=30',
    does:
      'The repeat-credentials request from every connection (a CI fleet pulling and pushing the same repository as one user) with ' +
      'PURSER_GRANT_REUSE=30: identical grants within the window share one signed token, so most requests sign nothing.',
    limit: 'RS256',
    alg: 'RS256',
    async prepare(dir, context) {
      const prepared = await prepareSmall(dir, context, SMALL_USERS, { fixed: repeatRequest });
      return { ...prepared, env: { PURSER_GRANT_REUSE: '30' } };
    },
  },
];
