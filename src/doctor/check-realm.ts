import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { RegistryConfig } from '../cli/registry-config-file.js';
import { inspectToken, type RegistryTrust } from '../token/inspect-token.js';
import { ok, type Finding } from './finding.js';

interface Answer {
  readonly status: number;
  readonly body: string;
}

/**
 * The realm answers like purser, over TLS whose certificate names the realm's host, and the token it
 * issues is one this registry would accept: issuer, service, key and signature all at once.
 */
export async function checkRealm(registry: RegistryConfig, trust: RegistryTrust, now: number, extraCa: string | undefined): Promise<Finding[]> {
  if (registry.realm === undefined) return [];
  let url: URL;
  try {
    url = new URL(registry.realm);
  } catch {
    return [{ level: 'error', what: `auth.token.realm ${JSON.stringify(registry.realm)} is not a URL`, fix: 'write it as https://host:port/auth' }];
  }
  if (registry.service !== undefined) url.searchParams.set('service', registry.service);
  let answer: Answer;
  try {
    answer = await get(url, extraCa);
  } catch (err) {
    return [networkFinding(url, err as NodeJS.ErrnoException)];
  }
  if (answer.status === 404) {
    return [{ level: 'error', what: `the realm ${registry.realm} answers 404`, says: 'clients: unexpected status 404 fetching a token', fix: "purser's token endpoint is /auth: end the realm with /auth" }];
  }
  if (answer.status === 400) {
    return [{ level: 'error', what: `the realm refuses the registry's service: ${answer.body.slice(0, 200)}`, fix: 'make auth.token.service one of PURSER_SERVICE' }];
  }
  if (answer.status !== 200) return [{ level: 'error', what: `the realm answers ${answer.status}: ${answer.body.slice(0, 200)}` }];
  let token: unknown;
  try {
    token = (JSON.parse(answer.body) as { token?: unknown }).token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string') return [{ level: 'error', what: `the realm answers 200 but not with a token: ${answer.body.slice(0, 120)}`, fix: 'point the realm at purser' }];
  const findings = [ok(`the realm ${registry.realm} answers with a token`)];
  const problems = inspectToken(token, trust, now).problems;
  if (problems.length === 0) findings.push(ok('the registry would accept the realm\'s tokens (issuer, service, key and signature)'));
  for (const problem of problems) findings.push({ level: 'error', what: "a token from the realm would be rejected by this registry", says: problem.registrySays, fix: problem.fix });
  return findings;
}

function networkFinding(url: URL, err: NodeJS.ErrnoException): Finding {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const isIp = /^[0-9.]+$|:/.test(host);
  switch (err.code) {
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return {
        level: 'error',
        what: `the TLS certificate at ${url.host} does not name ${host}: ${err.message}`,
        says: isIp ? `x509: cannot validate certificate for ${host} because it doesn't contain any IP SANs` : `x509: certificate is valid for …, not ${host}`,
        fix: `purser certs tls ${isIp ? `--ip ${host}` : `--host ${host}`} (add every name and address clients use), then serve the new certificate`,
      };
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return {
        level: 'error',
        what: `the TLS certificate at ${url.host} is not trusted here (${err.code})`,
        says: 'x509: certificate signed by unknown authority',
        fix: `clients must trust the CA that signed it (docker: /etc/docker/certs.d/${url.host}/ca.crt); run purser doctor --ca CA_FILE to check with it`,
      };
    case 'CERT_HAS_EXPIRED':
      return { level: 'error', what: `the TLS certificate at ${url.host} has expired`, says: 'x509: certificate has expired or is not yet valid', fix: 'purser certs tls --host … to make a new one' };
    default:
      return {
        level: 'error',
        what: `cannot reach the realm ${url.origin}: ${err.code ?? err.message}`,
        says: `clients: Get "${url.origin}/auth…": dial tcp: connect: connection refused`,
        fix: 'start purser, and check PURSER_LISTEN, firewalls and that the realm uses a name clients can resolve',
      };
  }
}

async function get(url: URL, extraCa: string | undefined): Promise<Answer> {
  const ca = extraCa === undefined ? undefined : [...rootCertificates, await readFile(extraCa, 'utf8')];
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { timeout: 5000, ...(ca === undefined ? {} : { ca }) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 65536) body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}
