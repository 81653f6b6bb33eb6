import { randomFillSync } from 'node:crypto';

const POOL_IDS = 256;
const ID_BYTES = 16;
const pool = Buffer.alloc(POOL_IDS * ID_BYTES);
let next = POOL_IDS;

/**
 * A random 128-bit token ID (jti), base64url. The bytes come from the system's CSPRNG in batches:
 * one call fills 256 IDs, instead of one call per token on the hot path.
 */
export function tokenId(): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const id = pool.toString('base64url', next * ID_BYTES, (next + 1) * ID_BYTES);
  next++;
  return id;
}
