/**
 * Two purser replicas behind one load balancer (Debian's nginx), with the same signing key, the
 * same acl.yml and users.htpasswd and one Redis: the registry takes tokens from either, refresh
 * tokens from one are accepted by the other, and failed logins are counted across both.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import bcrypt from 'bcrypt';
import { purser as purserCli } from '../helpers/cli.js';
import { makeTempDir } from './harness/make-temp-dir.js';
import { describeResult } from './harness/run-command.js';
import { skopeo } from './harness/skopeo.js';
import { startNginx, type RunningNginx } from './harness/start-nginx.js';
import { startPurser, type RunningPurser } from './harness/start-purser.js';
import { startRedis, type RunningRedis } from './harness/start-redis.js';
import { startRegistry, type RunningRegistry } from './harness/start-registry.js';
import { writeOciLayout } from './harness/write-oci-layout.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('two replicas behind a load balancer', () => {
  const shared = makeTempDir('replicas-shared');
  let redis: RunningRedis;
  let one: RunningPurser;
  let two: RunningPurser;
  let nginx: RunningNginx;
  let registry: RunningRegistry;

  before(async () => {
    assert.equal((await purserCli(['certs', 'init', '--dir', shared], { cwd: shared })).code, 0);
    writeFileSync(join(shared, 'acl.yml'), 'acl:\n  - match: {account: "/.+/", name: "${account}/**"}\n    actions: [pull, push]\n');
    writeFileSync(join(shared, 'users.htpasswd'), `alice:${bcrypt.hashSync('alice-secret', 4)}\n`);
    redis = await startRedis();
    const env = {
      PURSER_ACL: join(shared, 'acl.yml'),
      PURSER_HTPASSWD: join(shared, 'users.htpasswd'),
      PURSER_SIGNING_KEY: join(shared, 'token.key'),
      PURSER_SIGNING_CERT: join(shared, 'token.crt'),
      PURSER_REDIS_URL: redis.url,
      PURSER_TRUSTED_PROXIES: '127.0.0.2/32',
      PURSER_THROTTLE_IP_MAX: '4',
    };
    one = await startPurser({ acl: '', users: {}, env });
    two = await startPurser({ acl: '', users: {}, env });
    nginx = await startNginx([`127.0.0.1:${one.port}`, `127.0.0.1:${two.port}`]);
    registry = await startRegistry({ realm: `${nginx.url}/auth`, rootCertBundle: join(shared, 'token.crt') });
  });
  after(async () => {
    await registry?.stop();
    await nginx?.stop();
    await one?.stop();
    await two?.stop();
    await redis?.stop();
  });

  test('the registry takes tokens from either replica: push and pull through the load balancer', async () => {
    const image = writeOciLayout(makeTempDir('image'), 'v1', 'replicas\n');
    const push = await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:alice-secret', `oci:${image.dir}:v1`, `docker://${registry.host}/alice/app:v1`]);
    assert.equal(push.code, 0, describeResult(push));
    const pull = await skopeo(['inspect', '--tls-verify=false', '--creds', 'alice:alice-secret', `docker://${registry.host}/alice/app:v1`]);
    assert.equal(pull.code, 0, describeResult(pull));
    // Both replicas issued some of those tokens.
    for (const replica of [one, two]) assert.match(replica.output(), /"audit":true.*"outcome":"granted"/);
  });

  test('a refresh token from one replica is accepted by the other', async () => {
    const fromOne = (await (await fetch(`${one.url}/auth?service=Docker%20registry&offline_token=true`, { headers: { Authorization: basic('alice', 'alice-secret') } })).json()) as {
      refresh_token: string;
    };
    const res = await fetch(`${two.url}/auth`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `grant_type=refresh_token&refresh_token=${fromOne.refresh_token}&service=Docker%20registry&scope=repository:alice/app:pull`,
    });
    assert.equal(res.status, 200);
    const token = ((await res.json()) as { access_token: string }).access_token;
    const tags = await fetch(`${registry.url}/v2/alice/app/tags/list`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(tags.status, 200);
  });

  test('failed logins through the balancer lock the client at both replicas; a forged X-Forwarded-For does not help', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${nginx.url}/auth?service=Docker%20registry`, { headers: { Authorization: basic('alice', `guess-${i}`), 'X-Forwarded-For': `10.0.0.${i}` } });
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401]);
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${nginx.url}/auth?service=Docker%20registry`, { headers: { Authorization: basic('alice', 'alice-secret'), 'X-Forwarded-For': '10.9.9.9' } });
      assert.equal(res.status, 429, 'locked at whichever replica answers');
    }
    const failedIps = () => [one, two].flatMap((r) => r.output().split('\n').filter((l) => l.includes('"outcome":"failed"')).map((l) => (JSON.parse(l) as { ip: string }).ip));
    // The replicas' output arrives through pipes: wait for all four failures to be logged.
    for (let i = 0; i < 50 && failedIps().length < 4; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const audit = failedIps();
    assert.equal(audit.length, 4);
    assert.deepEqual(new Set(audit), new Set(['127.0.0.1']), 'the client is the balancer\'s peer, not what it claimed');
  });
});
