import type { Decision, Identity, Scope } from '../auth.js';
import type { Acl } from '../authz/acl.js';

/**
 * Decides every requested scope against the ACL. A scope the ACL does not allow is not an error: its
 * decision grants fewer actions, or none.
 */
export function authorize(
  acl: Acl,
  identity: Identity,
  scopes: readonly Scope[],
  context: { readonly ip: string | undefined; readonly service: string },
): Decision[] {
  const request = {
    account: identity.account,
    ip: context.ip,
    service: context.service,
    labels: acl.labelsFor(identity.account),
  };
  return scopes.map((scope) => acl.authorize(request, scope));
}
