import { unverifiedClaims } from '../token/unverified-claims.js';
import { CredentialRequestError } from './credential-request-error.js';
import { goDuration } from './go-duration.js';
import { imageRegistry } from './image-registry.js';

/** The kubelet credential provider API this plugin speaks (kubelet-credentialprovider.v1). */
export const CREDENTIAL_PROVIDER_API = 'credentialprovider.kubelet.k8s.io/v1';

/**
 * Seconds of the token's life the kubelet may not cache: the registry login happens when a pull
 * starts, and this covers a pull that starts late plus clock skew beyond purser's 30 s leeway.
 */
export const CACHE_MARGIN = 60;

export interface CredentialProviderResponse {
  readonly apiVersion: typeof CREDENTIAL_PROVIDER_API;
  readonly kind: 'CredentialProviderResponse';
  readonly cacheKeyType: 'Registry';
  readonly cacheDuration: string;
  readonly auth: Readonly<Record<string, { readonly username: string; readonly password: string }>>;
}

export interface ProviderOptions {
  /** The federation entry's `name`: the user name purser's /auth expects with the entry's tokens. */
  readonly issuerName: string;
  /** Registry hosts the pod's token may be given to; empty: whichever registry the image names. */
  readonly registries: readonly string[];
  /** Epoch seconds. */
  readonly now: number;
}

/**
 * Answers a CredentialProviderRequest (the text the kubelet writes to stdin) with credentials
 * for the image's registry: the federation entry's name as user name and the pod's own
 * service-account token (KEP-4412) as password, which purser verifies like any federated token.
 * The kubelet caches them no longer than the token lives. Fields the kubelet may add in later
 * releases of the v1 API are ignored; the fields read here are checked.
 */
export function answerCredentialRequest(text: string, options: ProviderOptions): CredentialProviderResponse {
  const { image, token } = readRequest(text);
  const registry = imageRegistry(image);
  if (options.registries.length > 0 && !options.registries.some((host) => host.toLowerCase() === registry.host.toLowerCase())) {
    const where = registry.dockerHub ? `${registry.host} (it names no registry, so it is on Docker Hub)` : registry.host;
    throw new CredentialRequestError('ERR_KUBELET_REGISTRY_NOT_ALLOWED', `image ${image} is on ${where}; this provider gives the pod's token only to ${options.registries.join(', ')}: make matchImages in the CredentialProviderConfig name only those`);
  }

  if (token === undefined) {
    throw new CredentialRequestError(
      'ERR_KUBELET_NO_TOKEN',
      "the request carries no serviceAccountToken: the kubelet sends the pod's token only when the provider's entry in the CredentialProviderConfig has tokenAttributes " +
        "(serviceAccountTokenAudience: the federation entry's audience, requireServiceAccount: true, cacheType) and the kubelet's feature gate " +
        'KubeletServiceAccountTokenForCredentialProviders is on (beta and on by default since Kubernetes 1.34); purser kubelet-credential-provider --print-config prints such an entry',
    );
  }
  const claims = unverifiedClaims(token);
  if (claims === undefined) throw new CredentialRequestError('ERR_KUBELET_TOKEN_MALFORMED', 'serviceAccountToken is not a JWT');
  // The signature is purser's to check; here exp only bounds how long the kubelet may cache.
  const exp = claims.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new CredentialRequestError('ERR_KUBELET_TOKEN_NO_EXP', 'serviceAccountToken has no numeric exp; purser refuses such tokens');
  const remaining = Math.floor(exp) - options.now;
  if (remaining <= 0) throw new CredentialRequestError('ERR_KUBELET_TOKEN_EXPIRED', `serviceAccountToken expired ${-remaining} s ago`);

  return {
    apiVersion: CREDENTIAL_PROVIDER_API,
    kind: 'CredentialProviderResponse',
    // One credential serves every image of the registry; the kubelet adds the service account to the key.
    cacheKeyType: 'Registry',
    // 0s (a token about to expire) tells the kubelet to use the credential for this pull only.
    cacheDuration: goDuration(Math.max(0, remaining - CACHE_MARGIN)),
    auth: { [registry.host]: { username: options.issuerName, password: token } },
  };
}

/** The fields of a CredentialProviderRequest this plugin reads, checked; an absent or empty token is undefined. */
function readRequest(text: string): { image: string; token: string | undefined } {
  const malformed = (message: string) => new CredentialRequestError('ERR_KUBELET_REQUEST_MALFORMED', message);
  let request: unknown;
  try {
    request = JSON.parse(text);
  } catch (err) {
    throw malformed(`stdin is not a JSON CredentialProviderRequest (${(err as Error).message})`);
  }
  if (request === null || typeof request !== 'object' || Array.isArray(request)) throw malformed('the request must be a JSON object');
  const r = request as Record<string, unknown>;
  if (r.apiVersion !== CREDENTIAL_PROVIDER_API) {
    throw new CredentialRequestError('ERR_KUBELET_API_VERSION', `apiVersion is ${JSON.stringify(r.apiVersion)}; this provider speaks ${CREDENTIAL_PROVIDER_API}: set apiVersion: ${CREDENTIAL_PROVIDER_API} in its entry of the CredentialProviderConfig`);
  }
  if (r.kind !== 'CredentialProviderRequest') throw new CredentialRequestError('ERR_KUBELET_KIND', `kind is ${JSON.stringify(r.kind)}, not CredentialProviderRequest`);
  if (typeof r.image !== 'string' || r.image.trim() === '' || /\s/.test(r.image)) throw malformed('image must be a non-empty image reference');
  const annotations = r.serviceAccountAnnotations;
  if (annotations !== undefined && annotations !== null && (typeof annotations !== 'object' || Array.isArray(annotations) || !Object.values(annotations).every((v) => typeof v === 'string'))) {
    throw malformed('serviceAccountAnnotations must be a mapping of strings');
  }
  const token = r.serviceAccountToken;
  if (token === undefined || token === null || token === '') return { image: r.image, token: undefined };
  if (typeof token !== 'string') throw malformed('serviceAccountToken must be a string');
  return { image: r.image, token };
}
