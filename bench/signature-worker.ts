import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * One signing thread of the signature-limit measurement (bench/signature-limit.ts): makes its key,
 * says `ready`, waits for `go`, then signs synchronously in a loop until the deadline it was given
 * and reports how many signatures it made in how many seconds.
 */
export interface SignatureWorkerData {
  readonly alg: 'RS256' | 'ES256';
  readonly seconds: number;
  readonly inputBytes: number;
}

export interface SignatureWorkerReport {
  readonly count: number;
  readonly seconds: number;
}

const data = workerData as SignatureWorkerData;
const port = parentPort;
if (port === null) throw new Error('signature-worker.js runs only as a worker thread');

const key: KeyObject =
  data.alg === 'RS256'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
    : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const signingKey = data.alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
const input = Buffer.alloc(data.inputBytes, 'eyJhbGciOiJSUzI1NiJ9');

port.once('message', () => {
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(data.seconds * 1e9));
  let count = 0;
  let now = started;
  while (now < deadline) {
    sign('sha256', input, signingKey);
    count++;
    now = process.hrtime.bigint();
  }
  const report: SignatureWorkerReport = { count, seconds: Number(now - started) / 1e9 };
  port.postMessage(report);
});
port.postMessage('ready');
