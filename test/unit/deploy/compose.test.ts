import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { envNames, envValue, list, loadYamlDocuments, readmeSettings, REPO_ROOT, type Yaml } from './deploy-files.js';

const documents = loadYamlDocuments('deploy/compose.yml');
const compose = documents[0]?.doc ?? {};
const services = (compose.services ?? {}) as Record<string, Yaml>;
const service = (name: string): Yaml => {
  const s = services[name];
  assert.ok(s, `compose.yml has a ${name} service`);
  return s;
};

/** `source:target[:mode]` volume entries, short or long syntax. */
function volumes(s: Yaml): Array<{ source: string; target: string; readOnly: boolean }> {
  return list(s.volumes).map((v) => {
    if (typeof v === 'string') {
      const [source = '', target = '', mode = ''] = (v as string).split(':');
      return { source, target, readOnly: mode.split(',').includes('ro') };
    }
    return { source: String(v.source), target: String(v.target), readOnly: v.read_only === true };
  });
}

describe('deploy/compose.yml', () => {
  test('is one YAML document with registry, purser and redis services', () => {
    assert.equal(documents.length, 1);
    for (const name of ['registry', 'purser', 'redis']) service(name);
  });

  test('builds purser from the repository root and its Dockerfile', () => {
    const build = service('purser').build as Yaml | string;
    const context = typeof build === 'string' ? build : String(build.context);
    const dir = resolve(REPO_ROOT, 'deploy', context);
    assert.equal(dir, resolve(REPO_ROOT));
    const dockerfile = typeof build === 'string' ? 'Dockerfile' : String(build.dockerfile ?? 'Dockerfile');
    assert.ok(existsSync(join(dir, dockerfile)));
  });

  test('every depends_on names a service', () => {
    for (const [name, s] of Object.entries(services)) {
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys((s.depends_on ?? {}) as Yaml);
      for (const dep of deps) assert.ok(services[String(dep)], `${name} depends on ${String(dep)}`);
    }
  });

  test('every named volume is declared, and bind-mounted files exist in the repository', () => {
    const declared = Object.keys((compose.volumes ?? {}) as Yaml);
    for (const [name, s] of Object.entries(services)) {
      for (const v of volumes(s)) {
        if (v.source.startsWith('.') || v.source.startsWith('/')) {
          assert.ok(existsSync(resolve(REPO_ROOT, 'deploy', v.source)), `${name}: bind mount ${v.source} exists`);
        } else {
          assert.ok(declared.includes(v.source), `${name}: volume ${v.source} is declared`);
        }
      }
    }
  });

  test('purser shares throttling through the redis service', () => {
    const url = envValue(service('purser').environment, 'PURSER_REDIS_URL');
    assert.ok(url);
    assert.equal(new URL(url).hostname, 'redis');
  });

  test("the registry takes purser's tokens: issuer, service, and a realm on purser's published port", () => {
    const env = service('registry').environment;
    const purserEnv = service('purser').environment;
    assert.equal(envValue(env, 'REGISTRY_AUTH'), 'token');
    assert.equal(envValue(env, 'REGISTRY_AUTH_TOKEN_ISSUER'), envValue(purserEnv, 'PURSER_ISSUER') ?? 'purser');
    assert.equal(envValue(env, 'REGISTRY_AUTH_TOKEN_SERVICE'), (envValue(purserEnv, 'PURSER_SERVICE') ?? 'Docker registry').split(',')[0]);
    const realm = new URL(envValue(env, 'REGISTRY_AUTH_TOKEN_REALM') ?? '');
    assert.equal(realm.pathname, '/auth');
    const published = list(service('purser').ports).map((p) => String(p).split(':'));
    assert.ok(
      published.some((parts) => parts.at(-2) === realm.port && parts.at(-1) === '5001'),
      `purser publishes the realm's port ${realm.port} to its container port 5001`,
    );
  });

  test("the registry's certificate bundle comes from a volume the signing key never enters", () => {
    const registry = service('registry');
    const bundle = envValue(registry.environment, 'REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE') ?? '';
    const mount = volumes(registry).find((v) => posix.dirname(bundle) === v.target);
    assert.ok(mount, `REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE=${bundle} lies in a mounted volume`);
    assert.ok(mount.readOnly, 'mounted read-only');
    // purser writes key and certificate into its own volume; the registry must not mount that one.
    const purserVolumes = volumes(service('purser')).map((v) => v.source);
    assert.ok(!purserVolumes.includes(mount.source), 'the registry does not mount purser\'s key volume');
    // Whatever fills the registry's volume copies the certificate only.
    for (const [name, s] of Object.entries(services)) {
      const writer = volumes(s).find((v) => v.source === mount.source && !v.readOnly);
      if (writer === undefined || name === 'registry') continue;
      const command = [...list(s.entrypoint), ...list(s.command)].map(String).join(' ');
      assert.match(command, /token\.crt/, `${name} copies the certificate`);
      assert.doesNotMatch(command, /token\.key|\*/, `${name} copies nothing else`);
    }
  });

  test('purser runs with a read-only root filesystem and no capabilities', () => {
    const purser = service('purser');
    assert.equal(purser.read_only, true);
    assert.deepEqual(purser.cap_drop, ['ALL']);
  });

  test("every PURSER_* variable set is in the settings table of docs/configuration.md", () => {
    const documented = readmeSettings();
    const missing = Object.entries(services).flatMap(([name, s]) =>
      envNames(s.environment)
        .filter((variable) => variable.startsWith('PURSER_') && !documented.has(variable))
        .map((variable) => `${name}: ${variable}`),
    );
    assert.deepEqual(missing, [], "set in compose.yml but missing from the settings table of docs/configuration.md");
  });

  test('the mounted ACL and users files are the ones the image reads', () => {
    const purser = service('purser');
    const targets = volumes(purser).map((v) => v.target);
    const acl = envValue(purser.environment, 'PURSER_ACL') ?? '/etc/purser/acl.yml';
    const users = envValue(purser.environment, 'PURSER_HTPASSWD') ?? '/etc/purser/users.htpasswd';
    for (const file of [acl, users]) {
      assert.ok(targets.some((t) => t === file || t === posix.dirname(file)), `${file} is mounted`);
    }
  });
});
