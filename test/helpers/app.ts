import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type AppDeps } from '../../src/app.js';
import type { JwksCache } from '../../src/authn/federation/jwks-cache.js';
import type { Clock } from '../../src/clock.js';
import { SnapshotStore } from '../../src/config/snapshot-store.js';
import type { Snapshot } from '../../src/config/snapshot.js';
import { createLogger, type Logger } from '../../src/observe/logger.js';
import type { AuditEvent } from '../../src/observe/audit.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { buildDeps, observeSnapshot } from '../../src/server.js';
import { answerClientError } from '../../src/http/client-error.js';
import { frozenClock } from './clock.js';
import { testSnapshot, type TestConfig } from './snapshot.js';

export interface TestApp {
  readonly url: string;
  readonly deps: AppDeps;
  readonly store: SnapshotStore;
  readonly audit: AuditEvent[];
  readonly server: Server;
  close(): Promise<void>;
}

/** The real app, in-process on an ephemeral port, with audit events captured. */
export async function startTestApp(config: TestConfig & { clock?: Clock; snapshot?: Snapshot; logger?: Logger; jwks?: JwksCache } = {}): Promise<TestApp> {
  const snapshot = config.snapshot ?? testSnapshot(config);
  const store = new SnapshotStore(snapshot);
  const clock = config.clock ?? frozenClock(Date.now());
  const deps = buildDeps(snapshot.settings, store, { logger: config.logger ?? createLogger('silent'), clock, metrics: createMetrics(), ...(config.jwks === undefined ? {} : { jwks: config.jwks }) });
  const audit: AuditEvent[] = [];
  const captured: AppDeps = { ...deps, audit: (event) => audit.push(event) };
  observeSnapshot(snapshot, captured);
  const server = createServer({ maxHeaderSize: 16 * 1024 }, createApp(captured));
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    deps: captured,
    store,
    audit,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Decodes a JWT's header and claims without checking anything. */
export function decodeJwt(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [header = '', claims = ''] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<string, unknown>,
  };
}
