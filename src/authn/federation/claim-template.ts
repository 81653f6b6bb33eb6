import { readClaim } from './json-pointer.js';

type Part = { readonly text: string } | { readonly claim: string };

/** A compiled `account` or label template: literal text and `${claims:NAME}` placeholders. */
export interface ClaimTemplate {
  readonly source: string;
  /** The claim names it reads. */
  readonly claims: readonly string[];
  /** The filled-in value, or the name of the claim that is missing or not a string. */
  fill(claims: Readonly<Record<string, unknown>>): { readonly value: string } | { readonly missing: string };
}

const PLACEHOLDER = /\$\{([^}]*)\}/g;

/**
 * Compiles a template such as `github:${claims:repository}` or `k8s:${claims:/kubernetes.io/namespace}`.
 * Throws on any other placeholder. A claim that is missing, empty or not a string fails the fill:
 * an empty value could widen an ACL pattern the account or label is matched against.
 */
export function compileClaimTemplate(source: string): ClaimTemplate {
  const parts: Part[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push({ text: source.slice(last, match.index) });
    const inner = match[1] ?? '';
    if (!inner.startsWith('claims:') || inner.length === 'claims:'.length) {
      throw new Error(`unknown placeholder \${${inner}}; use \${claims:NAME} or \${claims:/json/pointer}`);
    }
    parts.push({ claim: inner.slice('claims:'.length) });
    last = match.index + match[0].length;
  }
  if (last < source.length) parts.push({ text: source.slice(last) });
  if (parts.some((part) => 'text' in part && part.text.includes('${'))) throw new Error(`unclosed placeholder in ${JSON.stringify(source)}`);
  const claims = parts.flatMap((part) => ('claim' in part ? [part.claim] : []));
  return {
    source,
    claims,
    fill(values) {
      let out = '';
      for (const part of parts) {
        if ('text' in part) {
          out += part.text;
          continue;
        }
        const value = readClaim(values, part.claim);
        if (typeof value !== 'string' || value === '') return { missing: part.claim };
        out += value;
      }
      return { value: out };
    },
  };
}
