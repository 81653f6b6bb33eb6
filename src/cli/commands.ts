import type { Command } from './command.js';

/** A command as `purser --help` lists it; its module is loaded only when it runs. */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

// Loading every command would load node-forge, the doctor's checks and more into every server
// process: each command's module is imported only when that command runs.
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'serve', summary: 'start the token server (what npm start runs)', load: async () => (await import('./serve.js')).serveCommand },
  { name: 'certs init', summary: 'make the token signing key and certificate', load: async () => (await import('./certs-init.js')).certsInitCommand },
  { name: 'certs tls', summary: 'make a private CA and a TLS server certificate with every name and IP', load: async () => (await import('./certs-tls.js')).certsTlsCommand },
  { name: 'certs rotate', summary: 'rotate the token signing key without downtime (prepare, --promote, --retire)', load: async () => (await import('./certs-rotate.js')).certsRotateCommand },
  { name: 'registry-config', summary: "print the auth: token: block for the registry's config.yml", load: async () => (await import('./registry-config.js')).registryConfigCommand },
  { name: 'jwks', summary: "print or write the JWKS document (registry 3's auth.token.jwks)", load: async () => (await import('./jwks.js')).jwksCommand },
  { name: 'user add', summary: 'add a user to users.htpasswd (bcrypt)', load: async () => (await import('./user-commands.js')).userAddCommand },
  { name: 'user passwd', summary: "change a user's password (revokes the user's refresh tokens)", load: async () => (await import('./user-commands.js')).userPasswdCommand },
  { name: 'user del', summary: 'remove a user (and so every refresh token issued to it)', load: async () => (await import('./user-commands.js')).userDelCommand },
  { name: 'user list', summary: 'list the users of users.htpasswd, and any line purser would refuse', load: async () => (await import('./user-commands.js')).userListCommand },
  { name: 'api-token create', summary: 'make an API token for a CI robot or a user; prints its secret once', load: async () => (await import('./api-token-create.js')).apiTokenCreateCommand },
  { name: 'api-token list', summary: 'list the API tokens: account, name, scopes, expiry (never their hashes)', load: async () => (await import('./api-token-list.js')).apiTokenListCommand },
  { name: 'api-token revoke', summary: 'remove an API token (and so every refresh token made from it)', load: async () => (await import('./api-token-revoke.js')).apiTokenRevokeCommand },
  { name: 'acl check', summary: 'validate an ACL and warn about rules that can never match', load: async () => (await import('./acl-check.js')).aclCheckCommand },
  { name: 'acl explain', summary: 'show which rule decides each scope, and what it grants', load: async () => (await import('./acl-explain.js')).aclExplainCommand },
  { name: 'acl test', summary: 'check an ACL against a file of expected decisions (for CI)', load: async () => (await import('./acl-test.js')).aclTestCommand },
  { name: 'token decode', summary: 'show a token and say in words what a registry would say about it', load: async () => (await import('./token-decode.js')).tokenDecodeCommand },
  { name: 'federation check', summary: 'say which federation entry takes an OIDC token, why the others do not, and what it is granted', load: async () => (await import('./federation-check.js')).federationCheckCommand },
  { name: 'kubelet-credential-provider', summary: 'a kubelet image credential provider: pods pull with their own service-account token', load: async () => (await import('./kubelet-credential-provider.js')).kubeletCredentialProviderCommand },
  { name: 'doctor', summary: "check the registry's config.yml against purser and say how to fix what is wrong", load: async () => (await import('./doctor.js')).doctorCommand },
  { name: 'healthcheck', summary: 'exit 0 if the local server answers /healthz (for container health checks)', load: async () => (await import('./healthcheck.js')).healthcheckCommand },
];
