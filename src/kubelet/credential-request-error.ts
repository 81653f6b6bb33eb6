export type CredentialRequestErrorCode =
  | 'ERR_KUBELET_REQUEST_MALFORMED'
  | 'ERR_KUBELET_API_VERSION'
  | 'ERR_KUBELET_KIND'
  | 'ERR_KUBELET_NO_TOKEN'
  | 'ERR_KUBELET_TOKEN_MALFORMED'
  | 'ERR_KUBELET_TOKEN_NO_EXP'
  | 'ERR_KUBELET_TOKEN_EXPIRED'
  | 'ERR_KUBELET_REGISTRY_NOT_ALLOWED';

/**
 * A CredentialProviderRequest the plugin cannot answer. The kubelet puts a failing plugin's stderr
 * in its log, where an operator reads it: the message says what to change.
 */
export class CredentialRequestError extends Error {
  override readonly name = 'CredentialRequestError';
  readonly code: CredentialRequestErrorCode;

  constructor(code: CredentialRequestErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
