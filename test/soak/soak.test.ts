/**
 * A bounded soak (about a minute; SOAK_SECONDS to change it): valid, invalid and abusive requests
 * mixed, while acl.yml and users.htpasswd are rewritten (sometimes invalidly) under the server's
 * feet. Every answer must be one its request can get, none may be a 5xx or a dropped connection, and
 * the server's resident memory must stay flat once warm.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import bcrypt from 'bcrypt';
import { PURSER_BIN, tempDir } from '../helpers/cli.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 55);
const USERS = Array.from({ length: 50 }, (_, i) => `user${i}`);
const ACL_A = 'acl:\n  - match: {account: "/.+/", name: "${account}/**"}\n    actions: [pull, push]\n  - match: {name: "public/**"}\n    actions: [pull]\n';
const ACL_B = `${ACL_A}  - match: {account: "/.+/", name: "shared/**"}\n    actions: [pull]\n`;
const ACL_BROKEN = 'acl:\n  - match: {acount: x}\n    actions: [pull]\n';

function rss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:')) ?? '';
  return Number(/(\d+)/.exec(line)?.[1] ?? 0) * 1024;
}

const basicHeader = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

test(`soak: ${SECONDS} s of mixed traffic with reloads`, { timeout: (SECONDS + 60) * 1000 }, async () => {
  const { dir, cleanup } = tempDir('purser-soak-');
  const hash = bcrypt.hashSync('pw', 4);
  const writeUsers = (extra: string[] = []) => writeFileSync(join(dir, 'users.htpasswd'), [...USERS, ...extra].map((u) => `${u}:${hash}\n`).join(''));
  writeFileSync(join(dir, 'acl.yml'), ACL_A);
  writeUsers();
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, [PURSER_BIN, 'serve'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      PURSER_LISTEN: `127.0.0.1:${port}`,
      PURSER_LOG_LEVEL: 'warn',
      PURSER_AUDIT_LOG: join(dir, 'audit.log'),
      PURSER_TRUSTED_PROXIES: '127.0.0.1/32',
      PURSER_THROTTLE_IP_MAX: '5',
      PURSER_RELOAD_INTERVAL: '1',
      // The files are rewritten every 1.5 s: a settle time under that lets each version in.
      PURSER_RELOAD_SETTLE: '1',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let tries = 0; !(await fetch(`${url}/healthz`).then((r) => r.ok, () => false)); tries++) {
      assert.ok(tries < 100, `purser did not start: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const refresh = ((await (await fetch(`${url}/auth?service=Docker%20registry&offline_token=true`, { headers: { Authorization: basicHeader('user1', 'pw') } })).json()) as { refresh_token: string }).refresh_token;

    type Kind = { name: string; allowed: number[]; send: () => Promise<Response> };
    const random = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
    const ip = () => `198.51.${Math.floor(Math.random() * 4)}.${Math.floor(Math.random() * 250)}`;
    const get = (query: string, headers: Record<string, string> = {}) => fetch(`${url}/auth?${query}`, { headers: { 'X-Forwarded-For': ip(), ...headers } });
    const post = (body: string, type = 'application/x-www-form-urlencoded') => fetch(`${url}/auth`, { method: 'POST', headers: { 'Content-Type': type, 'X-Forwarded-For': ip() }, body });
    const kinds: Kind[] = [
      { name: 'valid login', allowed: [200, 429], send: () => { const u = random(USERS); return get(`service=Docker%20registry&scope=repository:${u}/app:pull,push`, { Authorization: basicHeader(u, 'pw') }); } },
      { name: 'anonymous', allowed: [200], send: () => get('service=Docker%20registry&scope=repository:public/x:pull') },
      { name: 'wrong password', allowed: [401, 429], send: () => get('service=Docker%20registry', { Authorization: basicHeader(random(USERS), `guess${Math.random()}`) }) },
      { name: 'unknown user', allowed: [401, 429], send: () => get('service=Docker%20registry', { Authorization: basicHeader(`nobody${Math.random()}`, 'x') }) },
      { name: 'refresh grant', allowed: [200, 401, 429], send: () => post(`grant_type=refresh_token&refresh_token=${refresh}&service=Docker%20registry&scope=repository:user1/a:pull`) },
      { name: 'forged refresh', allowed: [401, 429], send: () => post('grant_type=refresh_token&refresh_token=eyJ.eyJ.sig&service=Docker%20registry') },
      { name: 'bad scope', allowed: [400], send: () => get('scope=repository:BAD:pull') },
      { name: 'non-UTF-8', allowed: [400], send: () => get('service=%C3%28') },
      { name: 'bad Basic', allowed: [400], send: () => get('', { Authorization: 'Basic bm9jb2xvbg==' }) },
      { name: 'repeated parameter', allowed: [400], send: () => get(Array.from({ length: 100 }, () => 'scope=x').join('&')) },
      { name: 'JSON body', allowed: [415], send: () => post('{}', 'application/json') },
      { name: 'oversized body', allowed: [413], send: () => post(`grant_type=password&x=${'a'.repeat(20_000)}`) },
      { name: 'metrics', allowed: [200], send: () => fetch(`${url}/metrics`) },
    ];

    const counts = new Map<string, Map<number, number>>();
    const problems: string[] = [];
    const samples: Array<[number, number]> = [];
    const started = Date.now();
    const end = started + SECONDS * 1000;
    const sampler = setInterval(() => samples.push([Date.now() - started, rss(child.pid as number)]), 1000);
    let round = 0;
    const reloads = setInterval(() => {
      round++;
      writeFileSync(join(dir, 'acl.yml'), round % 7 === 0 ? ACL_BROKEN : round % 2 === 0 ? ACL_A : ACL_B);
      writeUsers(round % 3 === 0 ? [`extra${round}`] : []);
    }, 1500);

    const worker = async () => {
      while (Date.now() < end) {
        const kind = random(kinds);
        try {
          const res = await kind.send();
          await res.arrayBuffer();
          const byStatus = counts.get(kind.name) ?? new Map<number, number>();
          byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
          counts.set(kind.name, byStatus);
          if (!kind.allowed.includes(res.status)) problems.push(`${kind.name}: ${res.status}`);
        } catch (err) {
          problems.push(`${kind.name}: ${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? '')}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    clearInterval(sampler);
    clearInterval(reloads);

    const total = [...counts.values()].reduce((sum, m) => sum + [...m.values()].reduce((a, b) => a + b, 0), 0);
    const summary = [...counts].map(([name, m]) => `${name}: ${[...m].map(([s, n]) => `${s}×${n}`).join(' ')}`).join('\n  ');
    const mb = (bytes: number) => (bytes / 1048576).toFixed(1);
    const warm = samples.filter(([t]) => t >= 10_000).map(([, v]) => v);
    const half = Math.floor(warm.length / 2);
    const firstHalf = Math.max(...warm.slice(0, half));
    const secondHalf = Math.max(...warm.slice(half));
    console.log(`soak: ${total} requests in ${SECONDS} s\n  ${summary}\n  RSS MB at 10 s: ${mb(warm[0] ?? 0)}, max first half: ${mb(firstHalf)}, max second half: ${mb(secondHalf)}`);

    assert.deepEqual(problems.slice(0, 20), []);
    assert.ok(total > SECONDS * 50, `only ${total} requests`);
    assert.ok((counts.get('wrong password')?.get(429) ?? 0) > 0, 'abusive logins were throttled');
    assert.ok(secondHalf <= firstHalf * 1.15 + 8 * 1048576, `memory grew: ${mb(firstHalf)} MB → ${mb(secondHalf)} MB`);
    // The server is still healthy and reporting reloads, refused and accepted.
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /^purser_config_reloads_total\{result="success"\} [1-9]/m);
    assert.match(metrics, /^purser_config_reload_failures_total [1-9]/m);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('exit', resolve));
    cleanup();
  }
});
