import { compileClaimConditions } from '../authn/federation/claim-conditions.js';
import { compileClaimTemplate, type ClaimTemplate } from '../authn/federation/claim-template.js';
import { allowedIssuerUrl, type TrustedIssuer } from '../authn/federation/trusted-issuer.js';
import type { ConfigIssue } from '../errors.js';
import { parseDuration } from './duration.js';
import type { YamlDocument } from './yaml-document.js';

const KEYS = ['name', 'issuer', 'audience', 'jwks_uri', 'claims', 'account', 'labels', 'max_lifetime', 'max_token_age'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Validates the federation file: a list of trusted issuers. Every problem names the entry's index,
 * the field and its line; an unknown key is an error (a misspelt `claims` would trust every
 * repository of the platform).
 */
export function parseFederation(doc: YamlDocument): { issuers: readonly TrustedIssuer[] | undefined; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const root = doc.value ?? [];
  if (!Array.isArray(root)) return { issuers: undefined, issues: [{ file: doc.file, path: '', message: 'must be a list of trusted issuers' }] };
  const issuers: TrustedIssuer[] = [];
  const names = new Map<string, number>();
  root.forEach((node: unknown, index) => {
    const fail = (field: string, message: string): void => {
      const line = doc.lineOf(node, field.split('.')[0] || undefined);
      const path = `[${index}]${field ? `.${field}` : ''}`;
      issues.push(line === undefined ? { file: doc.file, path, message } : { file: doc.file, path, line, message });
    };
    const entry = parseEntry(node, fail, doc.lineOf(node));
    if (entry === undefined) return;
    const earlier = names.get(entry.name);
    if (earlier !== undefined) fail('name', `entry [${earlier}] has this name already`);
    else names.set(entry.name, index);
    issuers.push(entry);
  });
  return issues.length > 0 ? { issuers: undefined, issues } : { issuers, issues };
}

function parseEntry(node: unknown, fail: (field: string, message: string) => void, line: number | undefined): TrustedIssuer | undefined {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) {
    fail('', 'an issuer must be a mapping');
    return undefined;
  }
  const e = node as Record<string, unknown>;
  let ok = true;
  const bad = (field: string, message: string): undefined => {
    ok = false;
    fail(field, message);
    return undefined;
  };
  for (const key of Object.keys(e)) if (!KEYS.includes(key)) bad(key, `unknown key; an issuer has ${KEYS.join(', ')}`);
  const text = (field: string, required: boolean): string | undefined => {
    const value = e[field];
    if (value === undefined || value === null) return required ? bad(field, 'is required') : undefined;
    if (typeof value !== 'string' || value === '') return bad(field, 'must be a non-empty string');
    return value;
  };
  const name = text('name', true);
  if (name !== undefined && !NAME.test(name)) bad('name', 'must be letters, digits, ".", "_" or "-" (it is the user name clients log in with)');
  const issuer = text('issuer', true);
  if (issuer !== undefined && !allowedIssuerUrl(issuer)) bad('issuer', 'must be an https:// URL (http:// only for an issuer on this machine)');
  const audience = text('audience', true);
  const jwksUri = text('jwks_uri', false);
  if (jwksUri !== undefined && !allowedIssuerUrl(jwksUri)) bad('jwks_uri', 'must be an https:// URL (http:// only on this machine)');
  const template = (field: string, source: string | undefined): ClaimTemplate | undefined => {
    if (source === undefined) return undefined;
    try {
      return compileClaimTemplate(source);
    } catch (err) {
      return bad(field, (err as Error).message);
    }
  };
  const account = template('account', text('account', true));
  if (account !== undefined && account.claims.length === 0) bad('account', 'must use at least one ${claims:…}: a fixed account would make every token of the issuer the same identity');
  const labels: Array<[string, ClaimTemplate]> = [];
  if (e.labels !== undefined) {
    if (e.labels === null || typeof e.labels !== 'object' || Array.isArray(e.labels)) bad('labels', 'must be a mapping of label → template');
    else {
      for (const [key, value] of Object.entries(e.labels as Record<string, unknown>)) {
        if (!/^[A-Za-z0-9_.-]+$/.test(key)) bad(`labels.${key}`, 'a label name is letters, digits, "_", "." or "-"');
        else if (typeof value !== 'string') bad(`labels.${key}`, 'must be a string template');
        else {
          const compiled = template(`labels.${key}`, value);
          if (compiled !== undefined) labels.push([key, compiled]);
        }
      }
    }
  }
  let conditions;
  const claims = e.claims ?? {};
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) bad('claims', 'must be a mapping of claim → condition');
  else {
    try {
      conditions = compileClaimConditions(claims as Record<string, unknown>);
    } catch (err) {
      bad('claims', (err as Error).message);
    }
  }
  const duration = (field: string, fallback: string, max: number): number => {
    const value = e[field] ?? fallback;
    const seconds = typeof value === 'string' || typeof value === 'number' ? parseDuration(String(value)) : undefined;
    if (seconds === undefined || seconds < 60 || seconds > max) {
      bad(field, `must be a duration from 60 s to ${max / 86400} days, e.g. 1h`);
      return 0;
    }
    return seconds;
  };
  const maxLifetime = duration('max_lifetime', '1h', 30 * 86400);
  const maxTokenAge = duration('max_token_age', '1h', 30 * 86400);
  if (!ok || name === undefined || issuer === undefined || audience === undefined || account === undefined || conditions === undefined) return undefined;
  return { name, issuer, audience, jwksUri, conditions, account, labels, maxLifetime, maxTokenAge, line };
}
