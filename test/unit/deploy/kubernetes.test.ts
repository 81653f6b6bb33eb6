import assert from 'node:assert/strict';
import { posix } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { testSnapshot } from '../../helpers/snapshot.js';
import { at, envNames, envValue, kubernetesFiles, kubernetesManifests, list, readmeSettings, type Yaml, type YamlDocument } from './deploy-files.js';

const manifests = kubernetesManifests();
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const workloads = manifests.filter(({ doc }) => WORKLOAD_KINDS.has(String(doc.kind)));
const named = (kind: string, name: string): Yaml | undefined =>
  manifests.find(({ doc }) => doc.kind === kind && at(doc, 'metadata.name') === name)?.doc;
const where = ({ file, index, doc }: YamlDocument): string => `${file} #${index} (${String(doc.kind)} ${String(at(doc, 'metadata.name'))})`;
const podSpec = (workload: Yaml): Yaml => at(workload, 'spec.template.spec') as Yaml;
const containers = (workload: Yaml): Yaml[] => [...list(podSpec(workload).initContainers), ...list(podSpec(workload).containers)];
const isPurser = (container: Yaml): boolean => /purser/.test(String(container.image)) || container.name === 'purser';

/** ConfigMaps Kubernetes itself publishes in every namespace: the cluster CA (since 1.21). */
const CLUSTER_PROVIDED_CONFIGMAPS = new Set(['kube-root-ca.crt']);

const purserDeployment = named('Deployment', 'purser');
const purserContainer = (): Yaml => {
  assert.ok(purserDeployment, 'deploy/kubernetes has a Deployment named purser');
  const container = containers(purserDeployment).find(isPurser);
  assert.ok(container, 'the purser Deployment has a purser container');
  return container;
};

describe('deploy/kubernetes manifests', () => {
  test('there are manifests, and every document has apiVersion, kind and metadata.name', () => {
    assert.ok(kubernetesFiles().length > 0, 'deploy/kubernetes/*.yaml exist');
    for (const m of manifests) {
      assert.equal(typeof m.doc.apiVersion, 'string', `${where(m)}: apiVersion`);
      assert.equal(typeof m.doc.kind, 'string', `${where(m)}: kind`);
      assert.match(String(at(m.doc, 'metadata.name')), /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, `${where(m)}: metadata.name`);
    }
    const kinds = new Set(manifests.map(({ doc }) => doc.kind));
    for (const kind of ['Deployment', 'Service', 'ConfigMap', 'Secret']) assert.ok(kinds.has(kind), `a ${kind} is defined`);
  });

  test('no two documents define the same kind and name', () => {
    const seen = new Set<string>();
    for (const m of manifests) {
      const key = `${String(m.doc.kind)}/${String(at(m.doc, 'metadata.name'))}`;
      assert.ok(!seen.has(key), `${where(m)} is defined twice`);
      seen.add(key);
    }
  });

  test('the purser Deployment runs at least 2 replicas, and the registry has its own Deployment', () => {
    assert.ok(purserDeployment, 'a Deployment named purser');
    assert.ok(Number(at(purserDeployment, 'spec.replicas')) >= 2, 'purser spec.replicas >= 2');
    const registry = workloads.find(({ doc }) => containers(doc).some((c) => /^registry(:|$)/.test(String(c.image))));
    assert.ok(registry, 'a workload runs the registry image');
  });

  test("each workload's selector matches its pod template's labels", () => {
    for (const w of workloads) {
      const selector = (at(w.doc, 'spec.selector.matchLabels') ?? {}) as Yaml;
      const labels = (at(w.doc, 'spec.template.metadata.labels') ?? {}) as Yaml;
      assert.ok(Object.keys(selector).length > 0, `${where(w)}: spec.selector.matchLabels`);
      for (const [key, value] of Object.entries(selector)) assert.equal(labels[key], value, `${where(w)}: pod label ${key}`);
    }
  });

  test('every container has CPU and memory requests and limits', () => {
    for (const w of workloads) {
      for (const c of containers(w.doc)) {
        for (const kind of ['requests', 'limits']) {
          for (const resource of ['cpu', 'memory']) {
            assert.ok(at(c, `resources.${kind}.${resource}`) !== undefined, `${where(w)}: container ${String(c.name)} resources.${kind}.${resource}`);
          }
        }
      }
    }
  });

  test('every container runs as non-root, with a read-only root filesystem and all capabilities dropped', () => {
    for (const w of workloads) {
      for (const c of containers(w.doc)) {
        const name = `${where(w)}: container ${String(c.name)}`;
        const podNonRoot = at(podSpec(w.doc), 'securityContext.runAsNonRoot');
        assert.equal(at(c, 'securityContext.runAsNonRoot') ?? podNonRoot, true, `${name}: runAsNonRoot`);
        // runAsNonRoot with an image whose USER is a name (node) fails unless a numeric user is given.
        const uid = at(c, 'securityContext.runAsUser') ?? at(podSpec(w.doc), 'securityContext.runAsUser');
        assert.ok(typeof uid === 'number' && uid > 0, `${name}: a numeric runAsUser other than 0`);
        assert.equal(at(c, 'securityContext.readOnlyRootFilesystem'), true, `${name}: readOnlyRootFilesystem`);
        assert.equal(at(c, 'securityContext.allowPrivilegeEscalation'), false, `${name}: allowPrivilegeEscalation`);
        assert.deepEqual(at(c, 'securityContext.capabilities.drop'), ['ALL'], `${name}: capabilities.drop`);
      }
    }
  });

  test('purser has a liveness probe on /healthz and a readiness probe on /readyz, on its container port', () => {
    const container = purserContainer();
    assert.equal(at(container, 'livenessProbe.httpGet.path'), '/healthz');
    assert.equal(at(container, 'readinessProbe.httpGet.path'), '/readyz');
    for (const probe of ['livenessProbe', 'readinessProbe']) {
      const port = at(container, `${probe}.httpGet.port`);
      const declared = list(container.ports).some((p) => p.containerPort === port || (p.name !== undefined && p.name === port));
      assert.ok(declared, `${probe} port ${String(port)} is one of the container's ports`);
    }
  });

  test('every workload container has liveness and readiness probes', () => {
    for (const w of workloads) {
      for (const c of list(podSpec(w.doc).containers)) {
        assert.ok(c.livenessProbe, `${where(w)}: container ${String(c.name)} livenessProbe`);
        assert.ok(c.readinessProbe, `${where(w)}: container ${String(c.name)} readinessProbe`);
      }
    }
  });

  describe("the probes' paths answer 200 from the server", () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp();
    });
    after(() => app.close());

    test('GET each purser httpGet probe path', async () => {
      const container = purserContainer();
      const paths = ['livenessProbe', 'readinessProbe', 'startupProbe']
        .map((probe) => at(container, `${probe}.httpGet.path`))
        .filter((path): path is string => typeof path === 'string');
      assert.ok(paths.length >= 2);
      for (const path of paths) {
        const res = await fetch(app.url + path);
        await res.arrayBuffer();
        assert.equal(res.status, 200, `GET ${path}`);
      }
    });
  });

  test('every ConfigMap and Secret a pod mounts is defined here, with the keys it projects', () => {
    for (const w of workloads) {
      for (const volume of list(podSpec(w.doc).volumes)) {
        const sources: Array<{ kind: string; name: unknown; items: Yaml[] }> = [];
        if (volume.configMap) sources.push({ kind: 'ConfigMap', name: at(volume, 'configMap.name'), items: list(at(volume, 'configMap.items')) });
        if (volume.secret) sources.push({ kind: 'Secret', name: at(volume, 'secret.secretName'), items: list(at(volume, 'secret.items')) });
        for (const source of list(at(volume, 'projected.sources'))) {
          if (source.configMap) sources.push({ kind: 'ConfigMap', name: at(source, 'configMap.name'), items: list(at(source, 'configMap.items')) });
          if (source.secret) sources.push({ kind: 'Secret', name: at(source, 'secret.name'), items: list(at(source, 'secret.items')) });
        }
        for (const source of sources) {
          if (source.kind === 'ConfigMap' && CLUSTER_PROVIDED_CONFIGMAPS.has(String(source.name))) continue;
          const object = named(source.kind, String(source.name));
          assert.ok(object, `${where(w)}: volume ${String(volume.name)} needs ${source.kind} ${String(source.name)}`);
          const keys = new Set([...Object.keys((object.data ?? {}) as Yaml), ...Object.keys((object.stringData ?? {}) as Yaml)]);
          for (const item of source.items) {
            assert.ok(keys.has(String(item.key)), `${source.kind} ${String(source.name)} has key ${String(item.key)}`);
          }
        }
      }
      for (const c of containers(w.doc)) {
        for (const ref of list(c.envFrom)) {
          if (ref.configMapRef) assert.ok(named('ConfigMap', String(at(ref, 'configMapRef.name'))), `${where(w)}: envFrom ConfigMap`);
          if (ref.secretRef) assert.ok(named('Secret', String(at(ref, 'secretRef.name'))), `${where(w)}: envFrom Secret`);
        }
      }
    }
  });

  test('every PersistentVolumeClaim a pod mounts is defined here', () => {
    for (const w of workloads) {
      for (const volume of list(podSpec(w.doc).volumes)) {
        const claim = at(volume, 'persistentVolumeClaim.claimName');
        if (claim !== undefined) assert.ok(named('PersistentVolumeClaim', String(claim)), `${where(w)}: PVC ${String(claim)}`);
      }
    }
  });

  test('ConfigMaps and Secrets are mounted as whole volumes, never with subPath (subPath mounts never update)', () => {
    for (const w of workloads) {
      for (const c of containers(w.doc)) {
        for (const mount of list(c.volumeMounts)) {
          assert.equal(mount.subPath, undefined, `${where(w)}: ${String(c.name)} mounts ${String(mount.name)} with subPath`);
          assert.equal(mount.subPathExpr, undefined, `${where(w)}: ${String(c.name)} mounts ${String(mount.name)} with subPathExpr`);
        }
      }
    }
  });

  test("the files purser is told to read are in its mounted volumes", () => {
    const container = purserContainer();
    assert.ok(purserDeployment);
    const volumes = new Map(list(podSpec(purserDeployment).volumes).map((v) => [String(v.name), v]));
    const files: Record<string, string> = {
      PURSER_ACL: '/etc/purser/acl.yml',
      PURSER_HTPASSWD: '/etc/purser/users.htpasswd',
      PURSER_SIGNING_KEY: '/etc/purser/certs/token.key',
      PURSER_SIGNING_CERT: '/etc/purser/certs/token.crt',
      PURSER_FEDERATION: '/app/federation.yml',
    };
    for (const [variable, imageDefault] of Object.entries(files)) {
      const path = envValue(container.env, variable) ?? imageDefault;
      const mount = list(container.volumeMounts).find((m) => posix.dirname(path) === m.mountPath);
      assert.ok(mount, `${variable}=${path} lies directly in a mounted volume`);
      const volume = volumes.get(String(mount.name));
      assert.ok(volume, `volume ${String(mount.name)} is defined`);
      const kind = volume.configMap ? 'ConfigMap' : volume.secret ? 'Secret' : undefined;
      assert.ok(kind, `${variable} comes from a ConfigMap or Secret volume`);
      const object = named(kind, String(at(volume, kind === 'ConfigMap' ? 'configMap.name' : 'secret.secretName')));
      assert.ok(object);
      const keys = [...Object.keys((object.data ?? {}) as Yaml), ...Object.keys((object.stringData ?? {}) as Yaml)];
      assert.ok(keys.includes(posix.basename(path)), `${kind} ${String(at(object, 'metadata.name'))} has key ${posix.basename(path)} for ${variable}`);
    }
  });

  test('the registry mounts the signing certificate but never the key, and trusts purser as issuer for its service', () => {
    const registry = workloads.find(({ doc }) => containers(doc).some((c) => /^registry(:|$)/.test(String(c.image))));
    assert.ok(registry);
    const container = containers(registry.doc).find((c) => /^registry(:|$)/.test(String(c.image)));
    assert.ok(container);
    assert.equal(envValue(container.env, 'REGISTRY_AUTH'), 'token');
    assert.match(envValue(container.env, 'REGISTRY_AUTH_TOKEN_REALM') ?? '', /^https?:\/\/.+\/auth$/);
    const purserEnv = purserContainer().env;
    assert.equal(envValue(container.env, 'REGISTRY_AUTH_TOKEN_ISSUER'), envValue(purserEnv, 'PURSER_ISSUER') ?? 'purser');
    const services = (envValue(purserEnv, 'PURSER_SERVICE') ?? 'Docker registry').split(',').map((s) => s.trim());
    assert.ok(services.includes(envValue(container.env, 'REGISTRY_AUTH_TOKEN_SERVICE') ?? ''), 'REGISTRY_AUTH_TOKEN_SERVICE is one of purser\'s services');

    const bundle = envValue(container.env, 'REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE') ?? '';
    const mount = list(container.volumeMounts).find((m) => posix.dirname(bundle) === m.mountPath);
    assert.ok(mount, `REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE=${bundle} lies in a mounted volume`);
    const volume = list(podSpec(registry.doc).volumes).find((v) => v.name === mount.name);
    assert.ok(volume?.secret, 'the certificate comes from a Secret volume');
    const secret = named('Secret', String(at(volume, 'secret.secretName')));
    assert.ok(secret);
    const keys = [...Object.keys((secret.data ?? {}) as Yaml), ...Object.keys((secret.stringData ?? {}) as Yaml)];
    const items = list(at(volume, 'secret.items'));
    const projected = items.length > 0 ? items.map((i) => String(i.key)) : keys;
    const projectedPaths = items.length > 0 ? items.map((i) => String(i.path)) : keys;
    assert.ok(projectedPaths.includes(posix.basename(bundle)), `the volume holds ${posix.basename(bundle)}`);
    assert.ok(!projected.some((key) => /\.key$|private/i.test(key)), `the registry's volume projects only certificates: ${projected.join(', ')}`);
  });

  test("each Service's targetPort is a port its pods' containers declare", () => {
    for (const s of manifests.filter(({ doc }) => doc.kind === 'Service')) {
      const selector = (at(s.doc, 'spec.selector') ?? {}) as Yaml;
      const pods = workloads.filter(({ doc }) => {
        const labels = (at(doc, 'spec.template.metadata.labels') ?? {}) as Yaml;
        return Object.entries(selector).every(([k, v]) => labels[k] === v);
      });
      assert.ok(pods.length > 0, `${where(s)} selects a workload in the manifests`);
      for (const port of list(at(s.doc, 'spec.ports'))) {
        const target = port.targetPort ?? port.port;
        for (const pod of pods) {
          const declared = list(podSpec(pod.doc).containers).flatMap((c) => list(c.ports));
          assert.ok(
            declared.some((p) => p.containerPort === target || (p.name !== undefined && p.name === target)),
            `${where(s)}: targetPort ${String(target)} is a container port of ${where(pod)}`,
          );
        }
      }
    }
  });

  test("purser's container port is the image's (5001) and matches PURSER_LISTEN", () => {
    const container = purserContainer();
    const ports = list(container.ports).map((p) => p.containerPort);
    assert.deepEqual(ports, [5001]);
    const listen = envValue(container.env, 'PURSER_LISTEN');
    if (listen !== undefined) assert.match(listen, /:5001$/);
  });

  test('PURSER_REDIS_URL names a Service defined here', () => {
    const url = envValue(purserContainer().env, 'PURSER_REDIS_URL');
    assert.ok(url, 'the replicas share throttling through Redis');
    const host = new URL(url).hostname.split('.')[0] ?? '';
    const service = named('Service', host);
    assert.ok(service, `Service ${host}`);
    assert.ok(list(at(service, 'spec.ports')).some((p) => String(p.port) === (new URL(url).port || '6379')));
  });

  test("every PURSER_* variable set is in the settings table of docs/configuration.md", () => {
    const documented = readmeSettings();
    const missing = workloads.flatMap((w) =>
      containers(w.doc).flatMap((c) =>
        envNames(c.env)
          .filter((name) => name.startsWith('PURSER_') && !documented.has(name))
          .map((name) => `${where(w)}: ${name}`),
      ),
    );
    assert.deepEqual(missing, [], "set in the manifests but missing from the settings table of docs/configuration.md");
  });

  test("the ConfigMap's acl.yml and the placeholder users.htpasswd are valid for purser", () => {
    const acl = at(named('ConfigMap', 'purser-acl'), 'data') as Yaml | undefined;
    assert.ok(acl && typeof acl['acl.yml'] === 'string', 'ConfigMap purser-acl has acl.yml');
    const users = at(named('Secret', 'purser-users'), 'stringData') as Yaml | undefined;
    assert.ok(users && typeof users['users.htpasswd'] === 'string', 'Secret purser-users has users.htpasswd');
    const snapshot = testSnapshot({ acl: acl['acl.yml'] as string, htpasswd: users['users.htpasswd'] as string });
    assert.ok(snapshot.acl.rules.length > 0);
    assert.equal(snapshot.users.size, 0, 'the placeholder holds no users');
  });

  test('Secrets hold placeholders that say how to create the real ones', () => {
    for (const s of manifests.filter(({ doc }) => doc.kind === 'Secret')) {
      assert.equal(s.doc.data, undefined, `${where(s)}: no base64 data committed`);
      for (const [key, value] of Object.entries((s.doc.stringData ?? {}) as Yaml)) {
        assert.match(String(value), /REPLACE ME/, `${where(s)}: ${key} is a placeholder`);
      }
    }
  });
});
