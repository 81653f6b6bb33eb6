/**
 * The claim sets CI platforms and Kubernetes put in the tokens they give workloads, as their
 * documentation shows them; `iss`, `iat` and `exp` are left to whoever signs. Values are made up,
 * their types are the platforms' (GitHub and GitLab send ids and flags as strings).
 */

const now = (): number => Math.floor(Date.now() / 1000);

/**
 * A GitHub Actions job's OIDC token (`core.getIDToken(audience)`), after GitHub's "OpenID Connect
 * reference", https://docs.github.com/en/actions/reference/security/oidc ("OIDC token claims").
 */
export function githubActionsClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    jti: 'example-id-5f1e9c30-0d5c-4b8e-9a4e-3c1b2a7d6e11',
    sub: 'repo:acme/app:ref:refs/heads/main',
    aud: 'registry.example.com',
    nbf: now() - 5,
    ref: 'refs/heads/main',
    sha: 'd2a1c5c3b9f4e8a7d6c5b4a3f2e1d0c9b8a7f6e5',
    repository: 'acme/app',
    repository_owner: 'acme',
    repository_owner_id: '1234567',
    repository_id: '690001',
    repository_visibility: 'private',
    run_id: '7001001',
    run_number: '42',
    run_attempt: '1',
    actor: 'octocat',
    actor_id: '583231',
    workflow: 'build',
    workflow_ref: 'acme/app/.github/workflows/build.yml@refs/heads/main',
    workflow_sha: 'd2a1c5c3b9f4e8a7d6c5b4a3f2e1d0c9b8a7f6e5',
    job_workflow_ref: 'acme/app/.github/workflows/build.yml@refs/heads/main',
    head_ref: '',
    base_ref: '',
    event_name: 'push',
    ref_type: 'branch',
    runner_environment: 'github-hosted',
    ...overrides,
  };
}

/**
 * A GitLab CI job's ID token (`id_tokens:` in .gitlab-ci.yml), after GitLab's "OpenID Connect
 * (OIDC) Authentication Using ID Tokens", https://docs.gitlab.com/ci/secrets/id_token_authentication/
 * ("Token payload"). The `aud` is whatever the job asks for; oidc-provider sets it from the resource.
 */
export function gitlabCiClaims(project: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const namespace = project.split('/')[0] ?? project;
  return {
    sub: `project_path:${project}:ref_type:branch:ref:main`,
    nbf: now() - 5,
    namespace_id: '4242',
    namespace_path: namespace,
    project_id: '7001',
    project_path: project,
    project_visibility: 'private',
    user_id: '17',
    user_login: 'ci-bot',
    user_email: 'ci-bot@example.com',
    user_access_level: 'developer',
    pipeline_id: '123456',
    pipeline_source: 'push',
    job_id: '987654',
    ref: 'main',
    ref_type: 'branch',
    ref_path: 'refs/heads/main',
    ref_protected: 'true',
    runner_id: 12,
    runner_environment: 'gitlab-hosted',
    sha: '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c',
    ci_config_ref_uri: `gitlab.example.com/${project}//.gitlab-ci.yml@refs/heads/main`,
    ci_config_sha: '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c',
    ...overrides,
  };
}

/**
 * A projected (bound) service-account token, audience-bound, after Kubernetes' "Managing Service
 * Accounts", https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/
 * ("Bound service account tokens"): `aud` is a list, the pod, node and service account are nested
 * under `kubernetes.io`.
 */
export function kubernetesClaims(namespace: string, serviceAccount = 'builder', overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aud: ['registry.example.com'],
    jti: 'b8f0e7a2-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
    nbf: now() - 5,
    sub: `system:serviceaccount:${namespace}:${serviceAccount}`,
    'kubernetes.io': {
      namespace,
      node: { name: 'node-1', uid: '5e1c9a77-2b1f-4c3e-9d8a-7f6e5d4c3b2a' },
      pod: { name: `${serviceAccount}-7d9f8c6b5-x2x4q`, uid: '0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d' },
      serviceaccount: { name: serviceAccount, uid: '1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9' },
      warnafter: now() + 3000,
    },
    ...overrides,
  };
}
