import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import yaml from 'js-yaml';
import { purser, tempDir } from '../../helpers/cli.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: Record<string, unknown>) => `${b64({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;
const now = () => Math.floor(Date.now() / 1000);
const request = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
    kind: 'CredentialProviderRequest',
    image: 'registry.example.com/team-a/app:v1',
    serviceAccountToken: jwt({ sub: 'system:serviceaccount:team-a:builder', exp: now() + 3630 }),
    serviceAccountAnnotations: {},
    ...fields,
  });

describe('purser kubelet-credential-provider (the kubelet runs it)', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const plugin = (input: string, extra: string[] = []) => purser(['kubelet-credential-provider', '--issuer-name', 'k8s', ...extra], { cwd: dir, input });

  test('answers the request on stdin with exactly one CredentialProviderResponse on stdout', async () => {
    const token = jwt({ sub: 'system:serviceaccount:team-a:builder', exp: now() + 3630 });
    const result = await plugin(request({ serviceAccountToken: token }), ['--registry', 'registry.example.com']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const { cacheDuration } = JSON.parse(result.stdout) as { cacheDuration: string };
    // 3630 s of life, less the 60 s margin, less the seconds the process took to start.
    const rest = /^59m(\d+)s$/.exec(cacheDuration);
    assert.ok(rest && Number(rest[1]) <= 30, cacheDuration);
    assert.equal(
      result.stdout,
      `${JSON.stringify({
        apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
        kind: 'CredentialProviderResponse',
        cacheKeyType: 'Registry',
        cacheDuration,
        auth: { 'registry.example.com': { username: 'k8s', password: token } },
      })}\n`,
    );
  });

  const invalid: Array<[string, string, string[], RegExp]> = [
    ['stdin that is not JSON', 'not json', [], /not a JSON CredentialProviderRequest.*ERR_KUBELET_REQUEST_MALFORMED/],
    ['nothing on stdin', '', [], /ERR_KUBELET_REQUEST_MALFORMED/],
    ['another apiVersion', request({ apiVersion: 'credentialprovider.kubelet.k8s.io/v1beta1' }), [], /speaks credentialprovider\.kubelet\.k8s\.io\/v1.*ERR_KUBELET_API_VERSION/],
    ['another kind', request({ kind: 'Pod' }), [], /ERR_KUBELET_KIND/],
    ['no serviceAccountToken', request({ serviceAccountToken: undefined }), [], /tokenAttributes.*--print-config.*ERR_KUBELET_NO_TOKEN/],
    ['a token without exp', request({ serviceAccountToken: jwt({ sub: 'x' }) }), [], /no numeric exp.*ERR_KUBELET_TOKEN_NO_EXP/],
    ['an expired token', request({ serviceAccountToken: jwt({ exp: now() - 120 }) }), [], /expired \d+ s ago.*ERR_KUBELET_TOKEN_EXPIRED/],
    ['an image of another registry', request({ image: 'ghcr.io/acme/app' }), ['--registry', 'registry.example.com'], /ghcr\.io.*ERR_KUBELET_REGISTRY_NOT_ALLOWED/],
  ];
  for (const [what, input, extra, message] of invalid) {
    test(`${what}: exit 1, the reason on stderr, nothing on stdout`, async () => {
      const result = await plugin(input, extra);
      assert.equal(result.code, 1);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /^purser kubelet-credential-provider: /);
      assert.match(result.stderr, message);
    });
  }

  test('without --issuer-name, or with an option meant for --print-config: bad usage, nothing on stdout', async () => {
    const none = await purser(['kubelet-credential-provider'], { cwd: dir, input: request() });
    assert.equal(none.code, 2);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /--issuer-name NAME is required/);
    const misplaced = await plugin(request(), ['--audience', 'x']);
    assert.equal(misplaced.code, 2);
    assert.equal(misplaced.stdout, '');
    assert.match(misplaced.stderr, /--audience goes with --print-config/);
  });
});

describe('purser kubelet-credential-provider --print-config', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  writeFileSync(join(dir, 'federation.yml'), `
- name: k8s
  issuer: https://kubernetes.default.svc.cluster.local
  audience: purser.example.com
  account: "k8s:\${claims:/kubernetes.io/namespace}"
`);

  type Config = { apiVersion: string; kind: string; providers: Array<Record<string, unknown>> };
  const print = async (args: string[], env: Record<string, string> = {}) => {
    const result = await purser(['kubelet-credential-provider', '--print-config', ...args], { cwd: dir, env });
    assert.equal(result.code, 0, result.stderr);
    return yaml.load(result.stdout) as Config;
  };

  test('prints the CredentialProviderConfig: matchImages, args, and tokenAttributes with the audience', async () => {
    const config = await print(['--issuer-name', 'k8s', '--registry', 'registry.example.com', '--audience', 'registry.example.com']);
    assert.equal(config.apiVersion, 'kubelet.config.k8s.io/v1');
    assert.equal(config.kind, 'CredentialProviderConfig');
    const [provider] = config.providers;
    assert.ok(provider);
    assert.equal(provider.name, 'purser');
    assert.deepEqual(provider.matchImages, ['registry.example.com']);
    assert.equal(provider.apiVersion, 'credentialprovider.kubelet.k8s.io/v1');
    assert.equal(typeof provider.defaultCacheDuration, 'string');
    assert.deepEqual(provider.args, ['kubelet-credential-provider', '--issuer-name', 'k8s', '--registry', 'registry.example.com']);
    assert.deepEqual(provider.tokenAttributes, { serviceAccountTokenAudience: 'registry.example.com', requireServiceAccount: true, cacheType: 'Token' });
  });

  test("without --audience, the federation entry's own audience; --cache-type ServiceAccount", async () => {
    const config = await print(['--issuer-name', 'k8s', '--registry', 'registry.example.com', '--cache-type', 'ServiceAccount'], { PURSER_FEDERATION: 'federation.yml' });
    assert.deepEqual(config.providers[0]?.tokenAttributes, { serviceAccountTokenAudience: 'purser.example.com', requireServiceAccount: true, cacheType: 'ServiceAccount' });
  });

  test('an entry the federation file lacks, a registry given as a URL, no registry, a bad cache type: bad usage', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--issuer-name', 'github', '--registry', 'registry.example.com', '--federation', 'federation.yml'], /no entry named "github" \(it has k8s\); give --audience/],
      [['--issuer-name', 'k8s', '--registry', 'https://registry.example.com', '--audience', 'a'], /without scheme or path/],
      [['--issuer-name', 'k8s', '--audience', 'a'], /needs --registry HOST/],
      [['--issuer-name', 'k8s', '--registry', 'registry.example.com', '--audience', 'a', '--cache-type', 'Pod'], /--cache-type must be Token or ServiceAccount/],
    ];
    for (const [args, message] of cases) {
      const result = await purser(['kubelet-credential-provider', '--print-config', ...args], { cwd: dir });
      assert.equal(result.code, 2, args.join(' '));
      assert.equal(result.stdout, '');
      assert.match(result.stderr, message);
    }
  });
});
