import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, relative } from 'node:path';
import { generateSigningCertificate } from '../src/certs/signing-certificate.js';
import { htpasswdHash } from './htpasswd-fixture.js';
import { measureMachineLimits, yardstickOf } from './machine-limits.js';
import { parseBenchOptions, REPO_ROOT, USAGE, type BenchOptions } from './options.js';
import { runScenarioUndisturbed, type ScenarioResult } from './run-scenario.js';
import { scenarioSummary } from './scenario-summary.js';
import { BENCH_PASSWORD, BENCH_USER, SCENARIOS, type ScenarioContext } from './scenarios.js';
import { measureAclDecisionCost } from './acl-decision-cost.js';
import { resultsTable, targetsTable, type SignatureCosts } from './table.js';
import { checkTargets } from './targets.js';
import { waitForQuiet } from './quiet.js';
import { measureSignatureCost } from './signature-cost.js';

/**
 * `npm run bench`: measure this machine's signature and bcrypt limits, run each scenario against a
 * fresh purser on loopback, print the figures and the targets, write them as JSON. Exits 0 whether
 * or not the targets are met (a miss is printed as MISSED); 1 only if the benchmark itself failed.
 */
async function main(argv: readonly string[]): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseBenchOptions(argv);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const machine = {
    cores: options.cores,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
  const commit = gitDescribe();
  log(`purser benchmark: ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, purser ${commit}`);
  log(
    `  ${options.duration} s measured after ${options.warmup} s warm-up per scenario, ${options.connections} connections, ` +
      `PURSER_WORKERS=${options.workers}${options.uvThreadpool === undefined ? '' : `, UV_THREADPOOL_SIZE=${options.uvThreadpool}`}${Object.entries(options.serverEnv)
        .map(([k, v]) => `, ${k}=${v}`)
        .join('')}; the load generator (autocannon) runs in this process on the same cores`,
  );
  log('');
  log(`Machine limits before the scenarios (${options.limitDuration} s each):`);
  await waitForQuiet(30);
  const before = await measureMachineLimits(options.cores, options.limitDuration, log);
  const context = {
    hash: await htpasswdHash(BENCH_PASSWORD, 10),
    signing: generateSigningCertificate('RS256'),
    es256: generateSigningCertificate('ES256'),
    distinctUsers: Math.max(1000, Math.ceil(before.bcrypt.perSecond * (options.warmup + options.duration) * 3) + options.connections * 2),
  };

  await waitForQuiet(30);
  const signatureBefore = await measureSignatureCosts(context, log);
  for (const line of SKIPPED) log(line);

  const results: ScenarioResult[] = [];
  for (const scenario of SCENARIOS.filter((s) => options.scenarios.includes(s.name))) {
    log('');
    log(`Scenario ${scenario.name}: ${scenario.does}`);
    const result = await runScenarioUndisturbed(scenario, options, context, log);
    results.push(result);
    for (const line of scenarioSummary(result)) log(`  ${line}`);
  }

  log('');
  log('Machine limits after the scenarios:');
  await waitForQuiet(30);
  const after = await measureMachineLimits(options.cores, options.limitDuration, log);
  const signatureAfter = await measureSignatureCosts(context, log);
  // As with the limits, the faster of the two measurements is the one less disturbed by the VM.
  const signature = {
    rs256: signatureBefore.rs256.microseconds <= signatureAfter.rs256.microseconds ? signatureBefore.rs256 : signatureAfter.rs256,
    es256: signatureBefore.es256.microseconds <= signatureAfter.es256.microseconds ? signatureBefore.es256 : signatureAfter.es256,
  };
  const limits = yardstickOf([before, after]);
  log(
    `Yardstick (the higher of before and after): RS256 ${limits.rs256PerSecond.toFixed(0)} signatures/s, ` +
      `bcrypt cost 10 ${limits.bcryptPerSecond.toFixed(1)} verifications/s`,
  );

  const aclDecision = measureAclDecisionCost(BENCH_USER, [...Array.from({ length: 9_999 }, (_, i) => `user-${String(i).padStart(5, '0')}`), BENCH_USER]);
  log(`ACL decision cost (the server's matcher, in-process): ${aclDecision.map((d) => `${d.rules} rules ${d.microseconds.toFixed(2)} µs`).join(', ')}`);

  const targets = checkTargets(results, limits, signature);
  log('');
  log(resultsTable(results, limits, signature));
  log('');
  log(targetsTable(targets));
  const missed = targets.filter((t) => t.met === false);
  log('');
  log(missed.length === 0 ? 'All targets met.' : `MISSED ${missed.length} target(s): ${missed.map((t) => `${t.scenario}: ${t.target}`).join('; ')}`);

  const { out, server, ...settings } = options;
  await mkdir(dirname(out), { recursive: true });
  await writeFile(
    out,
    `${JSON.stringify({ generatedAt: new Date().toISOString(), purser: commit, server: relative(REPO_ROOT, server), machine, options: settings, limits: { before, after, yardstick: limits }, signature: { before: signatureBefore, after: signatureAfter, used: signature }, skipped: SKIPPED, aclDecision, scenarios: results, targets }, null, 2)}\n`,
  );
  log(`Wrote ${relative(process.cwd(), out) || out}`);
  return 0;
}

/** Scenarios of issue 16 this benchmark does not run yet, and why; printed so that their absence is visible. */
const SKIPPED = [
  'Scenario federated (OIDC token, JWKS cached): skipped, not written yet (test/helpers/test-issuer.ts would serve the issuer).',
  'Scenario ldap (cache warm): skipped, not written yet (needs a slapd started from a temporary slapd.conf).',
];

/** One RS256 and one ES256 signature's CPU time on one core, with the servers' own keys. */
async function measureSignatureCosts(context: ScenarioContext, log: (line: string) => void): Promise<SignatureCosts> {
  const costs = {
    rs256: await measureSignatureCost('RS256', context.signing.keyPem, 3000),
    es256: await measureSignatureCost('ES256', context.es256.keyPem, 30000),
  };
  log(
    `One signature's CPU time on one core with the servers' keys (crypto.sign, synchronous, 1800-byte input): ` +
      `RS256 ${costs.rs256.microseconds.toFixed(0)} µs, ES256 ${costs.es256.microseconds.toFixed(1)} µs`,
  );
  return costs;
}

function gitDescribe(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
