import bcrypt from 'bcrypt';
import { saturate } from './saturate.js';

export interface BcryptLimit {
  readonly cost: number;
  /** libuv's thread pool size, which bounds how many comparisons run at once. */
  readonly poolSize: number;
  /** Successful verifications per second over all cores. */
  readonly perSecond: number;
}

/**
 * The machine's bcrypt limit as purser meets it: the bcrypt package's async compare (libuv's thread
 * pool) of a correct password against a hash of `cost`, with more comparisons in flight than there
 * are pool threads or cores, for `seconds`.
 */
export async function measureBcryptLimit(cost: number, cores: number, seconds: number): Promise<BcryptLimit> {
  const poolSize = Number(process.env.UV_THREADPOOL_SIZE ?? 4) || 4;
  const password = 'bench-password';
  const hash = await bcrypt.hash(password, cost);
  const perSecond = await saturate(
    async () => {
      if (!(await bcrypt.compare(password, hash))) throw new Error('bcrypt.compare refused the right password');
    },
    Math.max(poolSize, cores) * 2,
    seconds,
  );
  return { cost, poolSize, perSecond };
}
