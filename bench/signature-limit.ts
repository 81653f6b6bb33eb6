import { generateKeyPairSync, sign } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { saturate } from './saturate.js';
import type { SignatureWorkerData, SignatureWorkerReport } from './signature-worker.js';

/** A JWS signing input about the size of purser's (a libtrust header with `x5c` and the claims). */
export const SIGNING_INPUT_BYTES = 1800;

export interface SignatureLimit {
  readonly alg: 'RS256' | 'ES256';
  /** Threads that signed at the same time. */
  readonly threads: number;
  /** Signatures per second, summed over the threads. */
  readonly perSecond: number;
  /** Each thread's own rate. */
  readonly perThread: readonly number[];
}

/**
 * The machine's signature limit: `threads` worker threads (one per core) each sign synchronously
 * with Node's crypto in a tight loop for `seconds`, all started together; their rates are summed.
 */
export async function measureSignatureLimit(alg: 'RS256' | 'ES256', threads: number, seconds: number): Promise<SignatureLimit> {
  const workerData: SignatureWorkerData = { alg, seconds, inputBytes: SIGNING_INPUT_BYTES };
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./signature-worker.js', import.meta.url), { workerData }));
  try {
    // Start them together once every thread has made its key.
    await Promise.all(workers.map((worker) => nextMessage(worker)));
    const reports = await Promise.all(
      workers.map((worker) => {
        const report = nextMessage(worker) as Promise<SignatureWorkerReport>;
        worker.postMessage('go');
        return report;
      }),
    );
    const perThread = reports.map((r) => r.count / r.seconds);
    return { alg, threads, perSecond: perThread.reduce((a, b) => a + b, 0), perThread };
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

export interface PoolSignatureRate {
  readonly alg: 'RS256' | 'ES256';
  /** libuv's thread pool size (UV_THREADPOOL_SIZE, default 4). */
  readonly poolSize: number;
  readonly perSecond: number;
}

/**
 * For comparison, signing the way purser does: the callback form of crypto.sign, which runs on
 * libuv's thread pool, with twice the pool size in flight, from this one thread.
 */
export async function measurePoolSignatureRate(alg: 'RS256' | 'ES256', seconds: number): Promise<PoolSignatureRate> {
  const poolSize = Number(process.env.UV_THREADPOOL_SIZE ?? 4) || 4;
  const key =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
      : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const input = Buffer.alloc(SIGNING_INPUT_BYTES, 'eyJhbGciOiJSUzI1NiJ9');
  const once = (): Promise<void> =>
    new Promise((resolve, reject) => sign('sha256', input, key, (err) => (err ? reject(err) : resolve())));
  const perSecond = await saturate(once, poolSize * 2, seconds);
  return { alg, poolSize, perSecond };
}

function nextMessage(worker: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      worker.off('error', onError);
      resolve(message);
    };
    const onError = (err: Error): void => {
      worker.off('message', onMessage);
      reject(err);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
  });
}
