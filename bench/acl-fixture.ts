import yaml from 'js-yaml';

type Rule = { match: Record<string, unknown>; actions: string[]; comment?: string };

/** An acl.yml with its rule count, and where the requesting user's own rule sits. */
export interface AclFixture {
  readonly text: string;
  readonly rules: number;
  /** Index of the rule that decides the repeat-credential request (`<requester>/app`). */
  readonly requesterRule: number;
}

/**
 * The 10-rule ACL: a typical small installation. The requester's own rule comes after the admin,
 * catalog, per-user, team and network rules; the generic rules after it decide the anonymous pull
 * (`public/**`) and the distinct users (`${account}/**`).
 */
export function smallAcl(requester: string, team: readonly string[]): AclFixture {
  const rules: Rule[] = [
    { match: { labels: { group: 'admins' } }, actions: ['*'], comment: 'admins can do anything' },
    { match: { type: 'registry', name: 'catalog' }, actions: [], comment: 'only admins list the catalog' },
    { match: { account: 'alice', name: 'shared/**' }, actions: ['pull', 'push'], comment: 'alice maintains shared images' },
    { match: { labels: { group: 'team-a' }, name: 'team-a/**' }, actions: ['pull', 'push'], comment: 'team a owns its namespace' },
    { match: { account: '/.+/', ip: ['10.0.0.0/8', 'fd00::/8'], name: 'ci/**' }, actions: ['pull', 'push'], comment: 'the build network publishes ci images' },
    { match: { account: requester, name: `${requester}/**` }, actions: ['pull', 'push'], comment: `${requester} owns its namespace` },
    { match: { account: '/.+/', name: '${account}/**' }, actions: ['pull', 'push', 'delete'], comment: 'users own their namespace' },
    { match: { account: '/.+/', name: '/^(library|ci)\\//' }, actions: ['pull'], comment: 'logged-in users pull library and ci images' },
    { match: { name: 'public/**' }, actions: ['pull'], comment: 'everybody pulls public images' },
    { match: {}, actions: [], comment: 'everything else is denied' },
  ];
  return {
    text: yaml.dump({ groups: { admins: ['alice'], 'team-a': [...team] }, acl: rules }, { lineWidth: -1, flowLevel: 3 }),
    rules: rules.length,
    requesterRule: 5,
  };
}

/**
 * A 1,000-rule ACL for `users` (10,000 in the benchmark) in 100 teams: admin and catalog rules,
 * network and service-account rules, 250 team rules (by group label, so every request is checked
 * against them), 718 per-user rules for other users, then the requester's own rule at index 990,
 * then the generic rules. `users` must include `requester`.
 */
export function largeAcl(users: readonly string[], requester: string): AclFixture {
  const teams = 100;
  const groups: Record<string, string[]> = { admins: users.slice(0, 2).filter((u) => u !== requester) };
  users.forEach((user, i) => {
    const team = `team-${String(i % teams).padStart(3, '0')}`;
    (groups[team] ??= []).push(user);
  });
  const team = (i: number): string => `team-${String(i % teams).padStart(3, '0')}`;
  const rules: Rule[] = [
    { match: { labels: { group: 'admins' } }, actions: ['*'], comment: 'admins can do anything' },
    { match: { type: 'registry', name: 'catalog' }, actions: [], comment: 'only admins list the catalog' },
  ];
  for (let i = 0; i < 5; i++) {
    rules.push({ match: { account: '/.+/', ip: [`10.${i}.0.0/16`], name: `ci-${i}/**` }, actions: ['pull', 'push'], comment: `build network ${i}` });
    rules.push({ match: { account: `/^svc-deploy-${i}-[a-z0-9]+$/`, name: `deploy-${i}/**` }, actions: ['pull'], comment: `deployers of cluster ${i}` });
    rules.push({ match: { name: `*/secret-${i}-*` }, actions: [], comment: `quarantined images ${i}` });
    rules.push({ match: { type: 'repository', name: `/^mirror-${i}\\/.+$/` }, actions: ['pull'], comment: `mirror ${i}` });
  }
  for (let i = 0; i < teams; i++) {
    rules.push({ match: { labels: { group: team(i) }, name: `${team(i)}/**` }, actions: ['pull', 'push', 'delete'], comment: `${team(i)} owns its namespace` });
    rules.push({ match: { account: '/.+/', name: `releases/${team(i)}/**` }, actions: ['pull'], comment: `${team(i)} releases are readable by all users` });
  }
  for (let i = 0; i < 50; i++) {
    rules.push({ match: { labels: { group: team(i) }, name: `${team(i + 1)}/**` }, actions: ['pull'], comment: `${team(i)} reads ${team(i + 1)}` });
  }
  const others = users.filter((u) => u !== requester);
  for (let i = 0; rules.length < 990; i++) {
    const user = others[(i * 7) % others.length] as string;
    rules.push(
      i % 2 === 0
        ? { match: { account: user, name: `${user}/**` }, actions: ['pull', 'push'], comment: `${user} owns its namespace` }
        : { match: { account: user, name: `${team(i)}/staging-*` }, actions: ['pull', 'push'], comment: `${user} publishes ${team(i)} staging images` },
    );
  }
  const requesterRule = rules.length;
  rules.push({ match: { account: requester, name: `${requester}/**` }, actions: ['pull', 'push'], comment: `${requester} owns its namespace` });
  rules.push(
    { match: { account: '/.+/', name: '${account}/**' }, actions: ['pull', 'push', 'delete'], comment: 'users own their namespace' },
    { match: { account: '/.+/', name: '/^(library|ci)\\//' }, actions: ['pull'], comment: 'logged-in users pull library and ci images' },
    { match: { account: '/.+/', name: 'shared/**' }, actions: ['pull'], comment: 'logged-in users pull shared images' },
    { match: { account: '/.+/', type: 'registry' }, actions: [], comment: 'no registry-wide access' },
    { match: { name: 'public/**' }, actions: ['pull'], comment: 'everybody pulls public images' },
    { match: { account: '', name: 'demo/**' }, actions: ['pull'], comment: 'anonymous demo images' },
    { match: { name: '/^vendor\\/[a-z-]+\\/[a-z0-9._-]+$/' }, actions: ['pull'], comment: 'vendor images' },
    { match: { service: 'Docker registry', name: 'tools/**' }, actions: ['pull'], comment: 'tools' },
    { match: {}, actions: [], comment: 'everything else is denied' },
  );
  if (rules.length !== 1000) throw new Error(`largeAcl made ${rules.length} rules, not 1000`);
  return { text: yaml.dump({ groups, acl: rules }, { lineWidth: -1, flowLevel: 3 }), rules: rules.length, requesterRule };
}
