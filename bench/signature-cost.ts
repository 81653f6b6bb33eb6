import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SIGNING_INPUT_BYTES } from './signature-limit.js';

export interface SignatureCost {
  readonly alg: 'RS256' | 'ES256';
  readonly signatures: number;
  /** CPU time of one signature on one core, in microseconds. */
  readonly microseconds: number;
}

/**
 * One signature's CPU time with the server's own key: a child process signs a signing input of
 * purser's size `signatures` times synchronously and reports its CPU time (user + system) per
 * signature. CPU time, not wall time, so another process taking the core meanwhile does not count.
 */
export async function measureSignatureCost(alg: 'RS256' | 'ES256', keyPem: string, signatures: number): Promise<SignatureCost> {
  const { stdout } = await promisify(execFile)(process.execPath, [new URL('./signature-cost-child.js', import.meta.url).pathname], {
    env: {
      PURSER_BENCH_KEY: keyPem,
      PURSER_BENCH_COUNT: String(signatures),
      PURSER_BENCH_INPUT_BYTES: String(SIGNING_INPUT_BYTES),
    },
  });
  const report = JSON.parse(stdout) as { microseconds: number };
  return { alg, signatures, microseconds: report.microseconds };
}
