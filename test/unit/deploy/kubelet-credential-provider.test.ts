import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { JwksCache } from '../../../src/authn/federation/jwks-cache.js';
import { parseFederation } from '../../../src/config/federation-file.js';
import { parseYamlDocument } from '../../../src/config/yaml-document.js';
import { answerCredentialRequest } from '../../../src/kubelet/credential-provider.js';
import { credentialProviderConfig } from '../../../src/kubelet/provider-config.js';
import { basic, decodeJwt, startTestApp, type TestApp } from '../../helpers/app.js';
import { startTestIssuer, type TestIssuer } from '../../helpers/test-issuer.js';
import { at, kubernetesManifests, list, loadYamlDocuments, type Yaml } from './deploy-files.js';

const manifests = kubernetesManifests();
const named = (kind: string, name: string): Yaml | undefined => manifests.find(({ doc }) => doc.kind === kind && at(doc, 'metadata.name') === name)?.doc;
const nodeConfig = (() => {
  const docs = loadYamlDocuments('deploy/kubernetes/node/credential-provider-config.yaml');
  assert.equal(docs.length, 1);
  return (docs[0] as { doc: Yaml }).doc;
})();
const provider = list(nodeConfig.providers)[0] as Yaml;
const args = (provider.args ?? []) as string[];
const configMapKey = (name: string, key: string): string => String((at(named('ConfigMap', name), 'data') as Yaml | undefined)?.[key]);
const federationText = configMapKey('purser-federation', 'federation.yml');
const aclText = configMapKey('purser-acl', 'acl.yml');

function federationEntries(text: string) {
  const { issuers, issues } = parseFederation(parseYamlDocument(text, 'federation.yml'));
  assert.deepEqual(issues, []);
  assert.ok(issuers);
  return issuers;
}

describe('deploy/kubernetes: pods pull with their service-account token', () => {
  const issuerName = args[args.indexOf('--issuer-name') + 1];

  test("the node's CredentialProviderConfig is what --print-config prints for the federation entry", () => {
    const entry = federationEntries(federationText).find((e) => e.name === issuerName);
    assert.ok(entry, `federation.yml has the entry ${String(issuerName)} the kubelet's args name`);
    const registries = (provider.matchImages ?? []) as string[];
    assert.deepEqual(nodeConfig, credentialProviderConfig({ issuerName: entry.name, audience: entry.audience, registries, cacheType: 'Token' }));
  });

  test('the API server lets every node ask for pod tokens with that audience', () => {
    const audience = at(provider, 'tokenAttributes.serviceAccountTokenAudience');
    const binding = manifests.find(({ doc }) => doc.kind === 'ClusterRoleBinding' && list(doc.subjects).some((s) => s.kind === 'Group' && s.name === 'system:nodes'))?.doc;
    assert.ok(binding, 'a ClusterRoleBinding for group system:nodes');
    const role = named('ClusterRole', String(at(binding, 'roleRef.name')));
    assert.ok(role);
    const rule = list(role.rules).find((r) => (r.verbs as string[]).includes('request-serviceaccounts-token-audience'));
    assert.deepEqual(rule?.resources, [audience]);
    assert.deepEqual(rule?.apiGroups, ['']);
  });

  describe('end to end: the plugin\'s answer logs in to purser, and each namespace pulls its own repositories', () => {
    let cluster: TestIssuer;
    let app: TestApp;
    before(async () => {
      cluster = await startTestIssuer();
      // The cluster's issuer, played by the test issuer (which serves its keys at /jwks).
      const local = federationText.replaceAll('https://kubernetes.default.svc.cluster.local/openid/v1/jwks', `${cluster.issuer}/jwks`).replaceAll('https://kubernetes.default.svc.cluster.local', cluster.issuer);
      assert.notEqual(local, federationText);
      app = await startTestApp({ acl: aclText, federation: local, jwks: new JwksCache({ cooldownMs: 0 }) });
    });
    after(async () => {
      await app.close();
      await cluster.close();
    });

    /** The claims of a pod-bound token the kubelet gets from the TokenRequest API. */
    const podToken = (namespace: string) =>
      cluster.sign({
        aud: [String(at(provider, 'tokenAttributes.serviceAccountTokenAudience'))],
        sub: `system:serviceaccount:${namespace}:builder`,
        'kubernetes.io': { namespace, node: { name: 'node-1', uid: 'n1' }, pod: { name: 'app-7d9', uid: 'p1' }, serviceaccount: { name: 'builder', uid: 's1' } },
      });

    const pull = async (namespace: string, scope: string) => {
      const [registry] = provider.matchImages as string[];
      const request = { apiVersion: 'credentialprovider.kubelet.k8s.io/v1', kind: 'CredentialProviderRequest', image: `${registry}/${namespace}/app:v1`, serviceAccountToken: await podToken(namespace), serviceAccountAnnotations: {} };
      const registries = args.flatMap((arg, i) => (args[i - 1] === '--registry' ? [arg] : []));
      const response = answerCredentialRequest(JSON.stringify(request), { issuerName: String(issuerName), registries, now: Math.floor(Date.now() / 1000) });
      const credential = response.auth[String(registry)];
      assert.ok(credential, 'the auth entry is keyed by the matchImages registry');
      const res = await fetch(`${app.url}/auth?service=Docker%20registry&scope=${scope}`, { headers: { Authorization: basic(credential.username, credential.password) } });
      assert.equal(res.status, 200, await res.clone().text());
      const token = ((await res.json()) as { token: string }).token;
      return (decodeJwt(token).claims.access as Array<{ actions: string[] }>).map((a) => a.actions);
    };

    test('a pod of team-a pulls team-a/app, cannot push, and cannot pull team-b/app', async () => {
      assert.deepEqual(await pull('team-a', 'repository:team-a/app:pull,push'), [['pull']]);
      assert.equal(app.audit.at(-1)?.account, 'k8s:team-a:builder');
      assert.deepEqual(await pull('team-a', 'repository:team-b/app:pull'), [[]]);
    });
  });
});
