import { createPrivateKey, sign } from 'node:crypto';

/**
 * Child process of bench/signature-cost.ts: signs a fixed-size input `count` times synchronously
 * with the key in PURSER_BENCH_KEY (PEM) and prints the CPU time (user + system, process.cpuUsage)
 * of the loop alone, in microseconds per signature. The only busy thread is this one, so the
 * process's CPU time is one core's time per signature.
 */
const pem = process.env.PURSER_BENCH_KEY ?? '';
const count = Number(process.env.PURSER_BENCH_COUNT ?? '1000');
const inputBytes = Number(process.env.PURSER_BENCH_INPUT_BYTES ?? '1800');
const key = createPrivateKey(pem);
const signingKey = key.asymmetricKeyType === 'ec' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
const input = Buffer.alloc(inputBytes, 'eyJhbGciOiJSUzI1NiJ9');
for (let i = 0; i < 50; i++) sign('sha256', input, signingKey); // warm up
const before = process.cpuUsage();
for (let i = 0; i < count; i++) sign('sha256', input, signingKey);
const used = process.cpuUsage(before);
process.stdout.write(`${JSON.stringify({ count, microseconds: (used.user + used.system) / count })}\n`);
