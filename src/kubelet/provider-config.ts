import { CREDENTIAL_PROVIDER_API } from './credential-provider.js';

/**
 * How the kubelet caches what the plugin returns (tokenAttributes.cacheType, required since the
 * beta of KEP-4412): per token, or per service account (shared by every pod that uses it).
 */
export type TokenCacheType = 'Token' | 'ServiceAccount';
export const TOKEN_CACHE_TYPES: readonly TokenCacheType[] = ['Token', 'ServiceAccount'];

/** The provider's name: the kubelet runs `<--image-credential-provider-bin-dir>/purser`. */
export const PROVIDER_NAME = 'purser';

export interface ProviderConfigOptions {
  /** The federation entry's name (the user name of the credentials). */
  readonly issuerName: string;
  /** The entry's audience: the kubelet asks the API server for a pod token with it. */
  readonly audience: string;
  /** Registry hosts, as images name them. */
  readonly registries: readonly string[];
  readonly cacheType: TokenCacheType;
}

/**
 * The kubelet's CredentialProviderConfig (kubelet.config.k8s.io/v1) for this plugin: invoked for
 * images of these registries only, handed a service-account token bound to the pod with the
 * federation entry's audience (tokenAttributes, KEP-4412), and only for pods that have a service
 * account. The plugin is told the registries too, so that a wider matchImages never hands the
 * token to another registry.
 */
export function credentialProviderConfig(options: ProviderConfigOptions): Record<string, unknown> {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1',
    kind: 'CredentialProviderConfig',
    providers: [
      {
        name: PROVIDER_NAME,
        matchImages: [...options.registries],
        // Used only when a response has no cacheDuration; purser's always has one.
        defaultCacheDuration: '5m',
        apiVersion: CREDENTIAL_PROVIDER_API,
        args: ['kubelet-credential-provider', '--issuer-name', options.issuerName, ...options.registries.flatMap((host) => ['--registry', host])],
        tokenAttributes: {
          serviceAccountTokenAudience: options.audience,
          requireServiceAccount: true,
          cacheType: options.cacheType,
        },
      },
    ],
  };
}
