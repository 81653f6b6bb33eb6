import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Decision, Identity, Labels } from '../auth.js';
import { JwksCache } from '../authn/federation/jwks-cache.js';
import { verdictsForToken, type Accepted } from '../authn/federation/verdicts-for-token.js';
import type { Verdict } from '../authn/federation/federation-source.js';
import type { TrustedIssuer } from '../authn/federation/trusted-issuer.js';
import { normalizeIp } from '../authz/ip-range.js';
import { mergeLabels } from '../authz/labels.js';
import type { Acl } from '../authz/acl.js';
import { formatScope, parseScope } from '../authz/scope.js';
import { epochSeconds, systemClock } from '../clock.js';
import { parseFederation } from '../config/federation-file.js';
import { readText } from '../config/source-files.js';
import { parseYamlDocument } from '../config/yaml-document.js';
import { ConfigError } from '../errors.js';
import { authorize } from '../grant/authorize.js';
import { unverifiedClaims } from '../token/unverified-claims.js';
import { flag, line, listOption, stringOption, UsageError, type Command, type CommandIO, type Parsed } from './command.js';
import { aclPath, loadAcl, settingsFor } from './acl-source.js';
import { decisionJson, deniedActions, describeGrant, describeRule } from './describe-decision.js';

/** The claims shown of a token: who issued it, for whom, about whom, and when. */
const CLAIMS_SHOWN = ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf'];

export const federationCheckCommand: Command = {
  name: 'federation check',
  summary: 'say which federation entry takes an OIDC token, why the others do not, and what it is granted',
  help: `Usage: purser federation check TOKEN [--scope SCOPE ...] [--service S] [--ip ADDR] [--federation FILE] [--acl FILE] [--json]

Explains a CI job's or pod's login with an OIDC token, with the checks the server runs. For every entry
of the federation file it says whether the entry accepts the token or why not (the reason the audit log
records: wrong_issuer, wrong_audience, token_expired, claim_condition_unmet, claim_missing, ...). For the
entry that takes it (the first that accepts, as the token exchange tries them; with HTTP Basic the user
name picks the entry), it shows the account and labels, then for each --scope the rule that decides it
and the actions granted. TOKEN may be "-" to read it from stdin (which keeps it out of the shell's history
and the process list); the token itself is never printed.

The issuers' keys are fetched as the server fetches them (discovery, then jwks_uri).

  --scope SCOPE     a scope to decide, e.g. repository:team/app:pull,push (repeatable)
  --service S       the service (default: the first of PURSER_SERVICE)
  --ip ADDR         the client's address (rules with ip: never match without one)
  --federation FILE the federation file (default: PURSER_FEDERATION, or federation.yml)
  --acl FILE        the ACL (default: PURSER_ACL, or acl.yml)
  --json            machine-readable output

Exit status: 0 when an entry accepts the token and every requested action is granted; 1 otherwise.
`,
  options: {
    scope: { type: 'string', multiple: true },
    service: { type: 'string' },
    ip: { type: 'string' },
    federation: { type: 'string' },
    acl: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const token = args.positionals[0] === '-' ? await readStdin(io) : (args.positionals[0] ?? '').trim();
    if (token === '') throw new UsageError('no token given');
    const report = await check(token, args, io);
    if (flag(args, 'json')) printJson(io, report);
    else printText(io, report);
    return report.identity !== undefined && report.decisions.every((d) => deniedActions(d).length === 0) ? 0 : 1;
  },
};

interface Report {
  readonly claims: Readonly<Record<string, unknown>> | undefined;
  readonly now: number;
  readonly federationFile: string;
  readonly verdicts: readonly Verdict[];
  readonly taken: Accepted | undefined;
  /** The taken entry's identity, with acl.yml's groups merged in as the server merges them. */
  readonly identity: Identity | undefined;
  readonly acl: Acl;
  readonly decisions: readonly Decision[];
  readonly service: string;
  readonly ip: string | undefined;
  /** Why an issuer's keys could not be fetched, by issuer. */
  readonly fetchErrors: ReadonlyMap<string, string>;
}

async function check(token: string, args: Parsed, io: CommandIO): Promise<Report> {
  const settings = settingsFor(io);
  const service = stringOption(args, 'service') ?? settings.services[0] ?? '';
  const ipText = stringOption(args, 'ip');
  const ip = ipText === undefined ? undefined : normalizeIp(ipText);
  if (ipText !== undefined && ip === undefined) throw new UsageError(`${JSON.stringify(ipText)} is not an IP address`);
  const scopes = listOption(args, 'scope').map((text) => {
    try {
      return parseScope(text);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  });
  const option = stringOption(args, 'federation');
  const federationFile = option === undefined ? settings.federationFile : resolve(io.cwd, option);
  const issuers = await loadFederation(federationFile);
  const { acl } = await loadAcl(aclPath(args, io, settings));
  // One-shot: no cooldown between fetches; fetch errors are kept to explain an issuer out of reach.
  const fetchErrors = new Map<string, string>();
  const jwks = new JwksCache({ cooldownMs: 0, onFetchError: (issuer, error) => fetchErrors.set(issuer, error.message) });
  const now = epochSeconds(systemClock);
  const { verdicts, taken } = await verdictsForToken(token, issuers, jwks, now);
  // As the server's identity chain does: acl.yml's groups for the account join the entry's labels.
  const identity = taken === undefined ? undefined : { ...taken.identity, labels: mergeLabels(acl.labelsFor(taken.identity.account), taken.identity.labels) };
  const decisions = identity === undefined ? [] : authorize(acl, identity, scopes, { ip, service });
  return { claims: unverifiedClaims(token), now, federationFile, verdicts, taken, identity, acl, decisions, service, ip, fetchErrors };
}

/** The verdict's detail, with what the token says that the detail leaves out (jose's messages name the claim only). */
function refusalDetail(report: Report, verdict: Extract<Verdict, { ok: false }>): string {
  const { claims, now } = report;
  const when = (at: unknown) => (typeof at === 'number' ? `${new Date(at * 1000).toISOString()} (${at > now ? `in ${at - now} s` : `${now - at} s ago`})` : 'not given');
  switch (verdict.reason) {
    case 'issuer_keys_unavailable': {
      const fetchError = report.fetchErrors.get(verdict.entry.issuer);
      return fetchError === undefined ? verdict.detail : `${verdict.detail}: ${fetchError}`;
    }
    case 'wrong_audience':
      return `${verdict.detail}; the token's aud is ${JSON.stringify(claims?.aud)}, the entry wants ${JSON.stringify(verdict.entry.audience)}`;
    case 'token_expired':
      return `${verdict.detail}; exp ${when(claims?.exp)}`;
    case 'token_not_yet_valid':
      return `${verdict.detail}; nbf ${when(claims?.nbf)}`;
    case 'token_too_old':
      return `${verdict.detail}; iat ${when(claims?.iat)}, the entry's max_token_age is ${verdict.entry.maxTokenAge} s`;
    default:
      return verdict.detail;
  }
}

function printJson(io: CommandIO, report: Report): void {
  const { claims, identity } = report;
  const token = claims === undefined ? null : Object.fromEntries(CLAIMS_SHOWN.filter((k) => claims[k] !== undefined).map((k) => [k, claims[k]]));
  const entries = report.verdicts.map((v, index) => ({ index, name: v.entry.name, issuer: v.entry.issuer, accepted: v.ok, ...(v.ok ? {} : { reason: v.reason, detail: refusalDetail(report, v) }) }));
  const who =
    identity === undefined
      ? {}
      : { account: identity.account, labels: Object.fromEntries(identity.labels), service: report.service, ip: report.ip ?? null, decisions: report.decisions.map((d) => decisionJson(report.acl, d)) };
  line(io.stdout, JSON.stringify({ token, federation: report.federationFile, entries, taken: report.taken?.entry.name ?? null, ...who }, null, 2));
}

function printText(io: CommandIO, report: Report): void {
  const { claims, identity, taken } = report;
  line(io.stdout, claims === undefined ? 'token: not a JWT (three base64url parts with a JSON payload)' : `token: ${describeClaims(claims, report.now)}`);
  line(io.stdout);
  line(io.stdout, `${report.federationFile}:`);
  if (report.verdicts.length === 0) line(io.stdout, '  no entries: the server trusts no issuer');
  report.verdicts.forEach((v, index) => {
    const verdict = v.ok ? (v === taken ? 'accepts (takes it)' : 'accepts too') : `refuses, ${v.reason}: ${refusalDetail(report, v)}`;
    line(io.stdout, `  [${index}] ${v.entry.name} (${v.entry.issuer}): ${verdict}`);
  });
  line(io.stdout);
  if (identity === undefined || taken === undefined) {
    line(io.stdout, 'no entry accepts this token: /auth answers 401, and its audit event records the reason of the entry');
    line(io.stdout, "named by the HTTP Basic user name (for a token exchange, of the first entry with the token's issuer)");
    return;
  }
  line(io.stdout, `entry ${taken.entry.name}: account ${JSON.stringify(identity.account)}, labels ${describeLabels(identity.labels)}`);
  line(io.stdout, `service ${JSON.stringify(report.service)}, ip ${report.ip ?? 'unknown'}`);
  for (const decision of report.decisions) {
    line(io.stdout);
    line(io.stdout, formatScope(decision.scope));
    line(io.stdout, `  granted: ${describeGrant(decision)}`);
    line(io.stdout, `  rule:    ${describeRule(report.acl, decision)}`);
  }
}

async function loadFederation(file: string): Promise<readonly TrustedIssuer[]> {
  if (!existsSync(file)) throw ConfigError.single(file, 'does not exist, so the server trusts no issuer (PURSER_FEDERATION, or --federation FILE)');
  const { issuers, issues } = parseFederation(parseYamlDocument(await readText(file), file));
  if (issuers === undefined) throw new ConfigError(issues);
  return issuers;
}

/** What the token says about itself (unverified): never the token. */
function describeClaims(claims: Readonly<Record<string, unknown>>, now: number): string {
  const parts = ['iss', 'sub', 'aud'].filter((k) => claims[k] !== undefined).map((k) => `${k} ${JSON.stringify(claims[k])}`);
  const exp = claims.exp;
  if (typeof exp === 'number') parts.push(`expires ${new Date(exp * 1000).toISOString()} (${exp > now ? `in ${exp - now} s` : `${now - exp} s ago`})`);
  else parts.push('no exp');
  return parts.join(', ');
}

function describeLabels(labels: Labels): string {
  if (labels.size === 0) return 'none';
  return [...labels].map(([key, values]) => `${key}=${values.join(',')}`).join(', ');
}

async function readStdin(io: CommandIO): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').trim();
}

