import type { Decision, Identity, Scope } from '../auth.js';
import type { Acl } from '../authz/acl.js';

/**
 * Decides every requested scope against the ACL, for the identity's account and labels, then
 * within the identity's cap (an API token's scopes): the cap never adds, it only takes away. A
 * scope the ACL does not allow is not an error: its decision grants fewer actions, or none.
 */
export function authorize(
  acl: Acl,
  identity: Identity,
  scopes: readonly Scope[],
  context: { readonly ip: string | undefined; readonly service: string },
): Decision[] {
  const request = { account: identity.account, ip: context.ip, service: context.service, labels: identity.labels };
  const { cap } = identity;
  return scopes.map((scope) => {
    const decision = acl.authorize(request, scope);
    if (cap === undefined) return decision;
    const granted = cap.restrict(scope, decision.granted);
    return granted.length === decision.granted.length ? decision : { ...decision, granted, capped: true };
  });
}
