import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { answerCredentialRequest, CACHE_MARGIN } from '../../../src/kubelet/credential-provider.js';
import { CredentialRequestError } from '../../../src/kubelet/credential-request-error.js';
import { goDuration } from '../../../src/kubelet/go-duration.js';
import { imageRegistry, isRegistryHost } from '../../../src/kubelet/image-registry.js';
import { credentialProviderConfig } from '../../../src/kubelet/provider-config.js';
import { unverifiedClaims } from '../../../src/token/unverified-claims.js';

const NOW = 1_800_000_000;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A JWT-shaped token; the plugin reads its exp without verifying it (purser verifies it). */
const jwt = (claims: Record<string, unknown>) => `${b64({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;
const TOKEN = jwt({ iss: 'https://kubernetes.default.svc.cluster.local', aud: ['registry.example.com'], sub: 'system:serviceaccount:team-a:builder', iat: NOW - 60, exp: NOW + 600 });

const request = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
    kind: 'CredentialProviderRequest',
    image: 'registry.example.com/team-a/app:v1',
    serviceAccountToken: TOKEN,
    serviceAccountAnnotations: {},
    ...fields,
  });
const answer = (text: string, registries: string[] = []) => answerCredentialRequest(text, { issuerName: 'k8s', registries, now: NOW });

/** Parses a Go duration as goDuration prints it. */
function seconds(duration: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(\d+)s$/.exec(duration);
  assert.ok(match, duration);
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3]);
}

describe('the registry an image names (distribution/reference)', () => {
  const cases: Array<[string, string, boolean]> = [
    ['registry.example.com/team/app:v1', 'registry.example.com', false],
    ['registry.example.com:5000/app', 'registry.example.com:5000', false],
    ['10.0.0.5:5000/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', '10.0.0.5:5000', false],
    ['[::1]:5000/app:v1', '[::1]:5000', false],
    ['localhost/app', 'localhost', false],
    ['localhost:5000/app', 'localhost:5000', false],
    ['Registry/app', 'Registry', false],
    ['nginx', 'docker.io', true],
    ['nginx:1.27', 'docker.io', true],
    ['library/nginx:1.27', 'docker.io', true],
    ['team/app', 'docker.io', true],
    ['docker.io/library/nginx', 'docker.io', true],
    ['index.docker.io/library/nginx', 'docker.io', true],
  ];
  for (const [image, host, dockerHub] of cases) {
    test(`${image} → ${host}${dockerHub ? ' (Docker Hub)' : ''}`, () => {
      assert.deepEqual(imageRegistry(image), { host, dockerHub });
    });
  }

  test('a registry host is a name or address with an optional port, never a URL or a path', () => {
    for (const good of ['registry.example.com', 'registry.example.com:5000', '10.0.0.5:5000', 'localhost', '[::1]:5000']) assert.ok(isRegistryHost(good), good);
    for (const bad of ['https://registry.example.com', 'registry.example.com/team', '*.example.com', '', 'registry.example.com:', '-bad.example.com']) assert.ok(!isRegistryHost(bad), bad);
  });
});

describe("Go's time.Duration form", () => {
  const cases: Array<[number, string]> = [[0, '0s'], [-5, '0s'], [45, '45s'], [60, '1m0s'], [300, '5m0s'], [3599, '59m59s'], [3600, '1h0m0s'], [3661, '1h1m1s'], [90000, '25h0m0s']];
  for (const [value, text] of cases) test(`${value} s → ${text}`, () => assert.equal(goDuration(value), text));
});

describe('CredentialProviderRequest → CredentialProviderResponse', () => {
  test('the auth entry for the image registry: user name the federation entry, password the pod token', () => {
    assert.deepEqual(answer(request()), {
      apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
      kind: 'CredentialProviderResponse',
      cacheKeyType: 'Registry',
      cacheDuration: '9m0s',
      auth: { 'registry.example.com': { username: 'k8s', password: TOKEN } },
    });
  });

  test('the auth key keeps the port, and an image naming no registry is keyed docker.io', () => {
    assert.deepEqual(Object.keys(answer(request({ image: 'registry.example.com:5000/team-a/app@sha256:abc' })).auth), ['registry.example.com:5000']);
    assert.deepEqual(Object.keys(answer(request({ image: 'nginx' })).auth), ['docker.io']);
  });

  test('cacheDuration never outlasts the token, less a margin; a token about to expire is not cached', () => {
    const cacheFor = (remaining: number) => answer(request({ serviceAccountToken: jwt({ exp: NOW + remaining }) })).cacheDuration;
    assert.equal(cacheFor(3600), '59m0s');
    assert.equal(cacheFor(CACHE_MARGIN + 1), '1s');
    assert.equal(cacheFor(CACHE_MARGIN), '0s');
    assert.equal(cacheFor(1), '0s');
    for (let remaining = 1; remaining <= 7200; remaining += 7) assert.ok(seconds(cacheFor(remaining)) <= remaining - Math.min(remaining, CACHE_MARGIN), `remaining ${remaining}`);
    // A fractional exp is rounded down, never up.
    assert.equal(answer(request({ serviceAccountToken: jwt({ exp: NOW + 120.9 }) })).cacheDuration, '1m0s');
  });

  test('fields the kubelet may add to v1 later are ignored', () => {
    assert.equal(answer(request({ futureField: { x: 1 } })).cacheDuration, '9m0s');
  });

  const invalid: Array<[string, string, string | RegExp]> = [
    ['stdin that is not JSON', '{"apiVersion":', 'ERR_KUBELET_REQUEST_MALFORMED'],
    ['a JSON array', '[]', 'ERR_KUBELET_REQUEST_MALFORMED'],
    ['the alpha apiVersion', request({ apiVersion: 'credentialprovider.kubelet.k8s.io/v1alpha1' }), 'ERR_KUBELET_API_VERSION'],
    ['no apiVersion', request({ apiVersion: undefined }), 'ERR_KUBELET_API_VERSION'],
    ['another kind', request({ kind: 'CredentialProviderResponse' }), 'ERR_KUBELET_KIND'],
    ['no image', request({ image: undefined }), 'ERR_KUBELET_REQUEST_MALFORMED'],
    ['an empty image', request({ image: '' }), 'ERR_KUBELET_REQUEST_MALFORMED'],
    ['annotations that are not strings', request({ serviceAccountAnnotations: { a: 1 } }), 'ERR_KUBELET_REQUEST_MALFORMED'],
    ['no serviceAccountToken (tokenAttributes not configured)', request({ serviceAccountToken: undefined }), 'ERR_KUBELET_NO_TOKEN'],
    ['an empty serviceAccountToken', request({ serviceAccountToken: '' }), 'ERR_KUBELET_NO_TOKEN'],
    ['a serviceAccountToken that is not a string', request({ serviceAccountToken: 42 }), 'ERR_KUBELET_REQUEST_MALFORMED'],
    ['a token that is not a JWT', request({ serviceAccountToken: 'hunter2' }), 'ERR_KUBELET_TOKEN_MALFORMED'],
    ['a token without exp', request({ serviceAccountToken: jwt({ iat: NOW }) }), 'ERR_KUBELET_TOKEN_NO_EXP'],
    ['a token whose exp is a string', request({ serviceAccountToken: jwt({ exp: String(NOW + 600) }) }), 'ERR_KUBELET_TOKEN_NO_EXP'],
    ['a token that expires now', request({ serviceAccountToken: jwt({ exp: NOW }) }), 'ERR_KUBELET_TOKEN_EXPIRED'],
    ['an expired token', request({ serviceAccountToken: jwt({ exp: NOW - 10 }) }), 'ERR_KUBELET_TOKEN_EXPIRED'],
  ];
  for (const [what, text, code] of invalid) {
    test(`refuses ${what}: ${String(code)}`, () => {
      assert.throws(() => answer(text), (err: unknown) => {
        assert.ok(err instanceof CredentialRequestError);
        assert.equal(err.code, code);
        assert.ok(!err.message.includes(TOKEN.split('.')[2] as string), 'the message never holds the token');
        return true;
      });
    });
  }

  test('no serviceAccountToken: the message says how to configure the kubelet', () => {
    assert.throws(() => answer(request({ serviceAccountToken: undefined })), /tokenAttributes.*serviceAccountTokenAudience.*KubeletServiceAccountTokenForCredentialProviders.*--print-config/s);
  });

  test('an expired token says how long ago', () => {
    assert.throws(() => answer(request({ serviceAccountToken: jwt({ exp: NOW - 10 }) })), /expired 10 s ago/);
  });

  test('with registries given, the token goes to those only (case-insensitively), never to Docker Hub', () => {
    assert.ok(answer(request({ image: 'Registry.Example.com/team-a/app' }), ['registry.example.com']).auth['Registry.Example.com']);
    assert.throws(() => answer(request({ image: 'evil.example.net/team-a/app' }), ['registry.example.com']), { code: 'ERR_KUBELET_REGISTRY_NOT_ALLOWED', message: /evil\.example\.net.*registry\.example\.com/ });
    assert.throws(() => answer(request({ image: 'nginx' }), ['registry.example.com']), { code: 'ERR_KUBELET_REGISTRY_NOT_ALLOWED', message: /docker\.io \(it names no registry, so it is on Docker Hub\)/ });
    assert.throws(() => answer(request({ image: 'registry.example.com:5000/app' }), ['registry.example.com']), { code: 'ERR_KUBELET_REGISTRY_NOT_ALLOWED' });
  });
});

describe('the kubelet CredentialProviderConfig', () => {
  test('matchImages, the plugin args and tokenAttributes for the federation entry', () => {
    assert.deepEqual(credentialProviderConfig({ issuerName: 'k8s', audience: 'registry.example.com', registries: ['registry.example.com', 'registry.example.com:5000'], cacheType: 'Token' }), {
      apiVersion: 'kubelet.config.k8s.io/v1',
      kind: 'CredentialProviderConfig',
      providers: [
        {
          name: 'purser',
          matchImages: ['registry.example.com', 'registry.example.com:5000'],
          defaultCacheDuration: '5m',
          apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
          args: ['kubelet-credential-provider', '--issuer-name', 'k8s', '--registry', 'registry.example.com', '--registry', 'registry.example.com:5000'],
          tokenAttributes: { serviceAccountTokenAudience: 'registry.example.com', requireServiceAccount: true, cacheType: 'Token' },
        },
      ],
    });
  });
});

describe('unverified claims', () => {
  test('reads the payload of a JWS compact serialization, and nothing else', () => {
    assert.deepEqual(unverifiedClaims(jwt({ exp: 5 })), { exp: 5 });
    for (const bad of ['', 'a.b', 'a.b.c.d', `${b64({})}.${b64([1])}.x`, `${b64({})}.${b64('text')}.x`, `${b64({})}.not json!.x`, `${b64({})}.${Buffer.from('{').toString('base64url')}.x`]) {
      assert.equal(unverifiedClaims(bad), undefined, bad);
    }
  });
});
