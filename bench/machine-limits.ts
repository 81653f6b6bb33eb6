import { measureBcryptLimit, type BcryptLimit } from './bcrypt-limit.js';
import { measurePoolSignatureRate, measureSignatureLimit, type PoolSignatureRate, type SignatureLimit } from './signature-limit.js';
import { withOtherLoad } from './system-cpu.js';

type Measured<T> = T & {
  /** Cores other processes kept busy meanwhile: above ~0.1 the figure is lower than the machine can do. */
  readonly otherCores: number;
};

/** What this machine can do at most, measured in the same run as the scenarios. */
export interface MachineLimits {
  readonly cores: number;
  /** RSA-2048 signatures/s: one synchronous signing thread per core. The scenarios' yardstick. */
  readonly rs256: Measured<SignatureLimit>;
  /** P-256 signatures/s, the same way. */
  readonly es256: Measured<SignatureLimit>;
  /** RSA-2048 signatures/s the way purser signs: crypto.sign's callback form on libuv's pool. For comparison only. */
  readonly rs256Pool: Measured<PoolSignatureRate>;
  /** bcrypt cost-10 verifications/s with the bcrypt package's async compare. */
  readonly bcrypt: Measured<BcryptLimit>;
}

/** The limits the targets are set against: the higher of the measurements before and after the scenarios. */
export interface Yardstick {
  readonly rs256PerSecond: number;
  readonly es256PerSecond: number;
  readonly bcryptPerSecond: number;
}

export function yardstickOf(runs: readonly MachineLimits[]): Yardstick {
  return {
    rs256PerSecond: Math.max(...runs.map((r) => r.rs256.perSecond)),
    es256PerSecond: Math.max(...runs.map((r) => r.es256.perSecond)),
    bcryptPerSecond: Math.max(...runs.map((r) => r.bcrypt.perSecond)),
  };
}

export async function measureMachineLimits(cores: number, seconds: number, log: (line: string) => void): Promise<MachineLimits> {
  const measure = async <T>(work: () => Promise<T>): Promise<Measured<T>> => {
    const { value, otherCores } = await withOtherLoad(work);
    return { ...value, otherCores };
  };
  const others = (m: { otherCores: number }): string => (m.otherCores >= 0.1 ? `; other processes used ${m.otherCores.toFixed(2)} cores meanwhile` : '');
  const rs256 = await measure(() => measureSignatureLimit('RS256', cores, seconds));
  log(`  RS256 (RSA-2048), ${cores} threads:          ${fmt(rs256.perSecond)} signatures/s (${rs256.perThread.map(fmt).join(' + ')})${others(rs256)}`);
  const es256 = await measure(() => measureSignatureLimit('ES256', cores, seconds));
  log(`  ES256 (P-256), ${cores} threads:             ${fmt(es256.perSecond)} signatures/s (${es256.perThread.map(fmt).join(' + ')})${others(es256)}`);
  const rs256Pool = await measure(() => measurePoolSignatureRate('RS256', seconds));
  log(`  RS256 on libuv's pool (${rs256Pool.poolSize} threads):  ${fmt(rs256Pool.perSecond)} signatures/s, as purser signs (for comparison)${others(rs256Pool)}`);
  const bcrypt = await measure(() => measureBcryptLimit(10, cores, seconds));
  log(`  bcrypt cost 10, async compare:        ${bcrypt.perSecond.toFixed(1)} verifications/s (libuv pool of ${bcrypt.poolSize})${others(bcrypt)}`);
  return { cores, rs256, es256, rs256Pool, bcrypt };
}

const fmt = (n: number): string => n.toFixed(0);
